// Library: the tenant's images newest first, searched and paged by cursor as you scroll,
// and one image's detail: its result, look-alikes, re-analyse and delete.
import { api, loadAnalysis, waitForJob } from "./api.js";
import { clear, confirmDialog, field, h, select, showError } from "./dom.js";
import { optionsFieldset } from "./options.js";
import { renderResult } from "./result.js";

const PAGE = 24;
const STATUSES = [["", "Any status"], ["completed", "Completed"], ["processing", "Processing"], ["queued", "Queued"], ["failed", "Failed"]];

function thumbnail(item) {
  const picture = item.description_status === "failed"
    ? h("div", { class: "thumb placeholder", "aria-hidden": "true" }, "!")
    : h("img", { class: "thumb", src: item.thumbnail_url, alt: "", loading: "lazy", width: 256, height: 256 });
  return h("li", null, h("a", { class: "tile", href: `#/library/${encodeURIComponent(item.image_id)}` },
    picture, h("span", { class: "name" }, item.filename),
    h("span", { class: `status ${item.description_status}` }, item.description_status)));
}

export function libraryView(main, { session }) {
  const q = h("input", { type: "search", name: "q" });
  const tag = h("input", { type: "text", name: "tag" });
  const category = select("category", [["", "Any category"], ...session.categories.filter((c) => c !== "auto").map((c) => [c, c])], "");
  const status = select("status", STATUSES, "");
  const form = h("form", { class: "search", role: "search" },
    field("Search text", q), field("Tag", tag), field("Category", category), field("Status", status),
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
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [name, value] of [["q", q.value.trim()], ["tag", tag.value.trim()], ["category", category.value], ["status", status.value]]) {
      if (value) params.set(name, value);
    }
    if (cursor) params.set("cursor", cursor);
    try {
      const page = await api(`/api/v2/files?${params}`);
      if (mine !== generation) return; // a newer search replaced this one
      grid.append(...page.items.map(thumbnail));
      cursor = page.next_cursor;
      more.hidden = !page.has_more;
      note.textContent = grid.children.length ? `${grid.children.length} images${page.has_more ? " so far" : ""}.` : "No images match.";
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
  const similar = h("ul", { class: "grid small", "aria-label": "Similar images" });
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
      const found = await api(`/api/v2/files/${encodeURIComponent(imageId)}/similar`);
      clear(similar).append(...found.items.map((item) => thumbnail({ ...item, description_status: "completed" })));
      if (!found.items.length) similar.append(h("li", { class: "muted" }, "No similar images."));
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
    h("section", null, h("h2", null, "Similar images"), similar),
    h("section", { class: "actions" }, h("h2", null, "Actions"), again, h("div", { class: "row" }, remove), actionNote),
  );
  show();
  showSimilar();
}
