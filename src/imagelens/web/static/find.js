// Search helpers for the library: highlights built from text nodes and <mark> elements
// (a snippet is never parsed as HTML), the request for a query, and search by image.
import { api, formOf } from "./api.js";
import { h } from "./dom.js";

// "a <mark>cat</mark> &amp; a mat" -> [text, <mark>, text]. The server escapes a snippet
// and its only tags are the <mark> around matched words; the rest is unescaped into text
// nodes, so "&lt;img onerror=…&gt;" in an image's text shows as that text, never as markup.
export function marked(snippet) {
  const nodes = [];
  let inside = false;
  for (const part of String(snippet).split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") inside = true;
    else if (part === "</mark>") inside = false;
    else if (part) {
      const text = unescapeHtml(part);
      nodes.push(inside ? h("mark", null, text) : document.createTextNode(text));
    }
  }
  return nodes;
}

// The five entities Python's html.escape writes (no parser involved).
const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'" };

function unescapeHtml(text) {
  return text.replace(/&(amp|lt|gt|quot|#x27);/g, (entity) => ENTITIES[entity]);
}

// One page of /api/v2/search (hybrid: words and meaning fused) or of the plain list.
export function searchPath({ query, tag, category, status, cursor, limit }) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (query) {
    params.set("query", query);
    params.set("mode", "hybrid");
  }
  for (const [name, value] of [["tag", tag], ["category", category], ["status", status], ["cursor", cursor]]) {
    if (value) params.set(name, value);
  }
  return `${query ? "/api/v2/search" : "/api/v2/files"}?${params}`;
}

// The library's images that look most like `file` (not stored), best first.
export function searchByImage(file, limit) {
  return api(`/api/v2/search/image?limit=${limit}`, { method: "POST", form: formOf({ file }) });
}

export const scoreText = (score) => (typeof score === "number" ? `score ${score.toFixed(score < 0.1 ? 4 : 2)}` : "");

// Makes `el` take a dropped image: the dragged-over look, then onImage(File).
export function imageDropTarget(el, onImage) {
  el.addEventListener("dragover", (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    el.classList.add("over");
  });
  el.addEventListener("dragleave", () => el.classList.remove("over"));
  el.addEventListener("drop", (event) => {
    const file = [...event.dataTransfer.files].find((f) => f.type.startsWith("image/"));
    el.classList.remove("over");
    if (!file) return;
    event.preventDefault();
    onImage(file);
  });
}
