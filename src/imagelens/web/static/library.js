// Library: the tenant's images newest first, or searched by meaning (words and meaning
// fused, best first, with the matched words marked), or by an image dropped on the search
// box; paged by cursor as you scroll. One image's detail: its result, visual neighbours,
// re-analyse and delete.
import { api, loadAnalysis, waitForJob } from "./api.js";
import { clear, confirmDialog, field, h, select, showError } from "./dom.js";
import { imageDropTarget, marked, scoreText, searchByImage, searchPath } from "./find.js";
import { optionsFieldset } from "./options.js";
import { renderResult } from "./result.js";

const PAGE = 24;
const STATUSES = [["", "Any status"], ["completed", "Completed"], ["processing", "Processing"], ["queued", "Queued"], ["failed", "Failed"]];

export function thumbnail(item) {
  const picture = item.description_status === "failed"
    ? h("div", { class: "thumb placeholder", "aria-hidden": "true" }, "!")
    : h("img", { class: "thumb", src: item.thumbnail_url, alt: "", loading: "lazy", width: 256, height: 256 });
  const found = typeof item.score === "number";
  const snippet = item.highlights && item.highlights.length ? item.highlights[0] : null;
  return h("li", null, h("a", { class: "tile", href: `#/library/${encodeURIComponent(item.image_id)}` },
    picture, h("span", { class: "name" }, item.filename),
    found ? h("span", { class: "score" }, scoreText(item.score)) : null,
    snippet ? h("span", { class: "snippet" }, marked(snippet)) : null,
    h("span", { class: `status ${item.description_status}` }, item.description_status)));
}

export function libraryView(main, { session }) {
  const q = h("input", { type: "search", name: "q" });
  const tag = h("input", { type: "text", name: "tag" });
  const category = select("category", [["", "Any category"], ...session.categories.filter((c) => c !== "auto").map((c) => [c, c])], "");
  const status = select("status", STATUSES, "");
  const form = h("form", { class: "search", role: "search" },
    field("Search text", q, "Words or a sentence in any language; or drop an image here."), field("Tag", tag), field("Category", category), field("Status", status),
    h("button", { type: "submit" }, "Search"));
  const grid = h("ul", { class: "grid", "aria-label": "Images" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  const note = h("p", { class: "muted", role: "status" });
  let cursor = null;
  let loading = false;
  let generation = 0;

  async function load(reset) {
    if (loading && !reset) return;
    const mine = reset ? ++generation : generation;
    if (reset) {
      cursor = null;
      clear(grid);
    }
    loading = true;
    const query = q.value.trim();
    const path = searchPath({ query, tag: tag.value.trim(), category: category.value, status: status.value, cursor, limit: PAGE });
    try {
      const page = await api(path);
      if (mine !== generation) return; // a newer search replaced this one
      grid.append(...page.items.map(thumbnail));
      cursor = page.next_cursor;
      more.hidden = !page.has_more;
      const count = `${grid.children.length} ${query ? "images, best match first" : "images"}${page.has_more ? " so far" : ""}.`;
      note.textContent = grid.children.length ? count : "No images match.";
    } catch (err) {
      showError(note, err);
    } finally {
      if (mine === generation) loading = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(true);
  });
  more.addEventListener("click", () => load(false));
  imageDropTarget(form, async (file) => {
    const mine = ++generation;
    clear(grid);
    more.hidden = true;
    note.textContent = `Searching for images like ${file.name || "the dropped image"}…`;
    try {
      const page = await searchByImage(file, PAGE);
      if (mine !== generation) return;
      grid.append(...page.items.map(thumbnail));
      note.textContent = page.items.length ? `${page.items.length} images that look like ${file.name || "it"}, closest first.` : "No images look like it.";
    } catch (err) {
      if (mine === generation) showError(note, err);
    }
  });
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !more.hidden) load(false);
  });
  observer.observe(more);

  clear(main).append(h("h1", { tabindex: -1 }, "Library"), form, note, grid, more);
  load(true);
  return () => observer.disconnect();
}

export function detailView(main, { session, params, navigate }) {
  const imageId = params[0];
  const slot = h("div", null, h("p", { class: "muted" }, "Loading…"));
  const similar = h("ul", { class: "grid small", "aria-label": "Visual neighbours" });
  const options = optionsFieldset(session, { skip: false, legend: "Re-analyse with" });
  const again = h("form", { class: "card" }, options.element, h("button", { type: "submit" }, "Re-analyse"));
  const actionNote = h("div", { role: "status" });
  const remove = h("button", { type: "button", class: "danger" }, "Delete image");

  async function show() {
    try {
      const analysis = await loadAnalysis(imageId);
      clear(slot).append(renderResult(analysis, { curl: `curl -s ${location.origin}/api/v2/files/${imageId}/analysis \\\n  -H "Authorization: Bearer $IMAGELENS_API_KEY"` }));
    } catch (err) {
      showError(slot, err);
    }
  }

  async function showSimilar() {
    try {
      const found = await api(`/api/v2/files/${encodeURIComponent(imageId)}/similar?mode=visual&limit=8`);
      clear(similar).append(...found.items.map((item) => thumbnail({ ...item, description_status: "completed" })));
      if (!found.items.length) similar.append(h("li", { class: "muted" }, "No images look like this one yet."));
    } catch {
      clear(similar);
    }
  }

  again.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(actionNote).append("Re-analysing…");
    try {
      const job = await api(`/api/v2/files/${encodeURIComponent(imageId)}/describe`, { method: "POST", json: options.read() });
      await waitForJob(job.job_id);
      clear(actionNote).append("Re-analysed.");
      await show();
    } catch (err) {
      showError(actionNote, err);
    }
  });
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog("Delete this image and its analysis? This cannot be undone.", "Delete"))) return;
    try {
      await api(`/api/v2/files/${encodeURIComponent(imageId)}`, { method: "DELETE" });
      navigate("#/library");
    } catch (err) {
      showError(actionNote, err);
    }
  });

  clear(main).append(
    h("p", null, h("a", { href: "#/library" }, "← Library")),
    h("h1", { tabindex: -1, class: "visually-hidden" }, "Image"),
    slot,
    h("section", null, h("h2", null, "Similar images"), h("p", { class: "muted" }, "The library's images that look most alike (visual neighbours)."), similar),
    h("section", { class: "actions" }, h("h2", null, "Actions"), again, h("div", { class: "row" }, remove), actionNote),
  );
  show();
  showSimilar();
}
