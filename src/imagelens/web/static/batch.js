// Batches: many files or a folder go up as upload sessions; each file's state and the
// session's progress update live until every file is done; a failed file can be retried.
import { DIRECT_THRESHOLD, api, directUpload, formOf, waitForJob } from "./api.js";
import { clear, field, h, sleep } from "./dom.js";
import { dropZone } from "./analyze.js";
import { optionsFieldset } from "./options.js";

// Every file under the dropped items, folders walked (webkitGetAsEntry is what browsers offer).
async function droppedFiles(dataTransfer) {
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
  if (!entries.length) return [...dataTransfer.files];
  const files = [];
  async function walk(entry) {
    if (entry.isFile) {
      files.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await walk(child);
      }
    }
  }
  for (const entry of entries) await walk(entry);
  return files;
}

const DONE = new Set(["completed", "failed", "skipped"]);

export function batchView(main, { session }) {
  const options = optionsFieldset(session, { legend: "Options for every file" });
  const rows = h("tbody");
  const progress = h("progress", { max: 1, value: 0, "aria-label": "Batch progress" });
  const summary = h("p", { role: "status", class: "summary" }, "No batch yet.");
  const files = []; // {file, row, state, imageId, error}
  let running = false;

  function paint() {
    const done = files.filter((f) => DONE.has(f.state)).length;
    const failed = files.filter((f) => f.state === "failed").length;
    progress.max = Math.max(1, files.length);
    progress.value = done;
    summary.textContent = files.length ? `${done}/${files.length} done${failed ? ` · ${failed} failed` : ""}` : "No batch yet.";
  }

  function setState(entry, state, detail) {
    entry.state = state;
    const [, stateCell, detailCell, actionCell] = entry.row.children;
    stateCell.textContent = state;
    stateCell.className = `status ${state}`;
    clear(detailCell).append(detail || "");
    clear(actionCell);
    if (state === "failed") {
      const retry = h("button", { type: "button", class: "secondary" }, "Retry");
      retry.addEventListener("click", () => retryFile(entry));
      actionCell.append(retry);
    } else if (entry.imageId && state === "completed") {
      actionCell.append(h("a", { href: `#/library/${encodeURIComponent(entry.imageId)}` }, "Open"));
    }
    paint();
  }

  function apply(entry, result) {
    entry.imageId = result.image_id;
    if (!result.image_id || result.description_status === "failed") {
      setState(entry, "failed", result.description_error || "The file could not be analysed.");
    } else if (result.description_status === "completed" || result.description_status === "skipped") {
      setState(entry, result.description_status, result.description || "");
    } else {
      setState(entry, result.description_status, "");
    }
  }

  // A big file goes straight to storage, then is followed through its job.
  async function uploadDirect(entry, values) {
    try {
      const result = await directUpload(entry.file, values, {
        onProgress: (sent, total) => setState(entry, "uploading", `${Math.round((100 * sent) / total)} %`),
      });
      apply(entry, result);
      if (result.job_id && !DONE.has(entry.state)) {
        await waitForJob(result.job_id);
        apply(entry, await api(`/api/v2/files/${encodeURIComponent(result.image_id)}`));
      }
    } catch (err) {
      setState(entry, "failed", err.message);
    }
  }

  async function upload(all) {
    const values = options.read();
    const big = all.filter((entry) => entry.file.size > DIRECT_THRESHOLD);
    for (const entry of big) await uploadDirect(entry, values);
    const chunk = all.filter((entry) => entry.file.size <= DIRECT_THRESHOLD);
    if (!chunk.length) return;
    const form = formOf(values);
    for (const entry of chunk) form.append("files", entry.file, entry.file.name);
    try {
      const accepted = await api("/api/v2/files/upload/batch", { method: "POST", form });
      accepted.results.forEach((result, i) => apply(chunk[i], result));
      await follow(accepted.session_id, chunk);
    } catch (err) {
      for (const entry of chunk) setState(entry, "failed", err.message);
    }
  }

  async function follow(sessionId, chunk) {
    while (chunk.some((e) => !DONE.has(e.state))) {
      await sleep(800);
      const state = await api(`/api/v2/sessions/${encodeURIComponent(sessionId)}`);
      const byId = new Map(state.results.map((r) => [r.image_id, r]));
      for (const entry of chunk) {
        const result = entry.imageId && byId.get(entry.imageId);
        if (result && !DONE.has(entry.state)) apply(entry, result);
      }
    }
  }

  async function retryFile(entry) {
    setState(entry, "queued", "Retrying…");
    await upload([entry]);
  }

  async function start(picked) {
    if (running || !picked.length) return;
    running = true;
    const fresh = picked.map((file) => {
      const row = h("tr", null, h("td", null, file.webkitRelativePath || file.name), h("td"), h("td"), h("td"));
      rows.append(row);
      const entry = { file, row, state: "uploading", imageId: null };
      files.push(entry);
      setState(entry, "uploading", "");
      return entry;
    });
    for (let i = 0; i < fresh.length; i += session.max_batch) {
      await upload(fresh.slice(i, i + session.max_batch));
    }
    running = false;
  }

  const { zone } = dropZone({
    label: "Drop a folder or many files here, or",
    onFiles: start,
    onDrop: async (dataTransfer) => start(await droppedFiles(dataTransfer)),
  });
  const folder = h("input", { type: "file", webkitdirectory: true, class: "visually-hidden" });
  folder.addEventListener("change", () => {
    start([...folder.files]);
    folder.value = "";
  });
  const folderField = field("Choose a folder", folder);
  folderField.querySelector("label").classList.add("button", "secondary");
  zone.append(folderField);

  clear(main).append(
    h("h1", { tabindex: -1 }, "Batch upload"),
    h("div", { class: "analyze-inputs" }, zone, options.element),
    h("div", { class: "progress-line" }, progress, summary),
    h("table", { class: "batch" }, h("caption", { class: "visually-hidden" }, "Files in this batch"),
      h("thead", null, h("tr", null, ["File", "State", "Result", ""].map((t) => h("th", { scope: "col" }, t)))), rows),
  );
}
