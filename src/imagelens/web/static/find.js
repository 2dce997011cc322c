// Search helpers for the library: highlights built from text nodes and <mark> elements
// (a snippet is never parsed as HTML), the request for a query, and search by image.
import { api, formOf } from "./api.js";
import { h } from "./dom.js";

// "a <mark>cat</mark> on a mat" -> [text, <mark>, text]. Only the literal <mark> and
// </mark> tags the server puts around matched words count; anything else, "<b>" or
// "<img onerror=…>" included, stays text.
export function marked(snippet) {
  const nodes = [];
  let inside = false;
  for (const part of String(snippet).split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") inside = true;
    else if (part === "</mark>") inside = false;
    else if (part) nodes.push(inside ? h("mark", null, part) : document.createTextNode(part));
  }
  return nodes;
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
