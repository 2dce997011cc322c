// Markdown written by a model, made safe in two layers. marked renders it with raw HTML and
// images turned into plain text (a model's <b style> or <img onerror> is shown, not parsed,
// so the page's CSP never even sees it); DOMPurify then strips whatever could still run
// (javascript: links and the like) before the HTML reaches the DOM.
import { Marked } from "./vendor/marked.esm.js";
import DOMPurify from "./vendor/purify.es.mjs";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

const marked = new Marked({
  async: false,
  gfm: true,
  renderer: {
    html: (token) => escapeHtml(token.text),
    image: (token) => escapeHtml(token.text || ""),
  },
});

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("rel", "noopener noreferrer nofollow");
    node.setAttribute("target", "_blank");
  }
});

export function renderMarkdown(markdown) {
  const div = document.createElement("div");
  div.className = "markdown";
  div.innerHTML = DOMPurify.sanitize(marked.parse(markdown), {
    FORBID_TAGS: ["style", "img", "form", "input", "button", "iframe", "svg", "math"],
    FORBID_ATTR: ["style", "class", "id"],
  });
  return div;
}
