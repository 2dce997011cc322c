// Analyse: drop, paste, pick or link images; each result is shown in full as it arrives.
import { analyzeImage } from "./api.js";
import { clear, errorBox, field, h } from "./dom.js";
import { curlCommand, optionsFieldset } from "./options.js";
import { renderResult } from "./result.js";

export function imageFiles(list) {
  return [...list].filter((file) => file.type.startsWith("image/") || file.type === "application/pdf" || file.type.startsWith("video/") || /\.(heic|heif|avif|webp|jpe?g|png|gif|bmp|tiff?|pdf|mp4|mov|m4v|webm|mkv)$/i.test(file.name));
}

// A drop zone that is also a keyboard-usable file picker; calls onFiles(File[]).
export function dropZone({ label, multiple = true, directory = false, onFiles, onDrop }) {
  const input = h("input", { type: "file", multiple, accept: directory ? null : "image/*,application/pdf,video/*", class: "visually-hidden" });
  input.addEventListener("change", () => {
    if (input.files.length) onFiles([...input.files]);
    input.value = "";
  });
  const zone = h("div", { class: "drop" },
    h("p", null, label),
    field("Choose images", input));
  zone.querySelector("label").classList.add("button");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (onDrop) onDrop(event.dataTransfer);
    else onFiles([...event.dataTransfer.files]);
  });
  return { zone, input };
}

export function analyzeView(main, { session }) {
  const options = optionsFieldset(session);
  const results = h("div", { class: "results", "aria-live": "polite" });
  const status = h("p", { class: "muted", role: "status" });

  async function run(sources) {
    const values = options.read();
    for (const source of sources) {
      const name = source instanceof Blob ? source.name || "pasted image" : source;
      const pending = h("div", { class: "card pending" }, h("span", { class: "spinner", "aria-hidden": "true" }), ` Analysing ${name}…`);
      results.prepend(pending);
      status.textContent = `Analysing ${name}…`;
      try {
        const analysis = await analyzeImage(source, values);
        const curl = source instanceof Blob ? curlCommand("/api/v2/images/analyze", values, name) : curlCommand("/api/v2/images/analyze", { ...values, url: source });
        pending.replaceWith(renderResult(analysis, { curl }));
        status.textContent = `Analysed ${name}.`;
      } catch (err) {
        pending.replaceWith(h("div", { class: "card" }, h("h2", null, name), errorBox(err)));
        status.textContent = `Could not analyse ${name}.`;
      }
    }
  }

  const { zone } = dropZone({
    label: "Drop images, PDFs or videos here, paste one from the clipboard (Ctrl+V), or",
    onFiles: (files) => {
      const images = imageFiles(files);
      if (images.length) run(images);
      else status.textContent = "None of those files is an image.";
    },
  });
  const url = h("input", { type: "url", name: "url", placeholder: "https://example.com/photo.jpg", required: true });
  const urlForm = h("form", { class: "row url-form" }, field("Image URL", url), h("button", { type: "submit" }, "Analyse URL"));
  urlForm.addEventListener("submit", (event) => {
    event.preventDefault();
    run([url.value.trim()]);
  });

  const onPaste = (event) => {
    const files = imageFiles(event.clipboardData ? event.clipboardData.files : []);
    if (files.length) {
      event.preventDefault();
      run(files);
    }
  };
  document.addEventListener("paste", onPaste);

  clear(main).append(
    h("h1", { tabindex: -1 }, "Analyse an image"),
    h("div", { class: "analyze-inputs" }, h("div", null, zone, urlForm), options.element),
    status,
    results,
  );
  return () => document.removeEventListener("paste", onPaste);
}
