// Markdown written by a model, made safe: marked renders it, DOMPurify strips anything
// that could run (scripts, handlers, javascript: URLs), inline styles (the page's CSP refuses
// them) and images (they would load from wherever the model pointed).
import { marked } from "./vendor/marked.esm.js";
import DOMPurify from "./vendor/purify.es.mjs";

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("rel", "noopener noreferrer nofollow");
    node.setAttribute("target", "_blank");
  }
});

export function renderMarkdown(markdown) {
  const html = marked.parse(markdown, { async: false, gfm: true });
  const div = document.createElement("div");
  div.className = "markdown";
  div.innerHTML = DOMPurify.sanitize(html, {
    FORBID_TAGS: ["style", "img", "form", "input", "button", "iframe", "svg", "math"],
    FORBID_ATTR: ["style", "class", "id"],
  });
  return div;
}
