// The analysis options shared by Analyse, Batch and Re-analyse: content category, language,
// back-end (only those this server has), prompt and skip-duplicates.
import { field, h, select, uid } from "./dom.js";

const LANGUAGE_NAMES = {
  en: "English", zh: "Chinese", de: "German", es: "Spanish", fr: "French", ja: "Japanese",
  ko: "Korean", fi: "Finnish", nl: "Dutch", pt: "Portuguese", tr: "Turkish", ru: "Russian",
};

const BACKEND_NAMES = { local: "Local models", vlm: "Vision LLM", hybrid: "Hybrid (both)" };

function label(value) {
  return value.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
}

export function languageSelect(session, name = "lang") {
  return select(
    name,
    session.languages.map((code) => [code, `${LANGUAGE_NAMES[code] || code} (${code})`]),
    "en",
  );
}

// A fieldset of option controls; read() gives the API's field names and values.
export function optionsFieldset(session, { prompt = true, skip = true, legend = "Options" } = {}) {
  const category = select(
    "content_category",
    session.categories.map((c) => [c, c === "auto" ? "Auto (detect)" : label(c)]),
    "general",
  );
  const lang = languageSelect(session);
  const backend = select(
    "backend",
    session.backends.map((b) => [b, BACKEND_NAMES[b] || b]),
    session.backends[0],
  );
  if (session.backends.length < 2) backend.disabled = true;
  // Languages of the text for the OCR ("ru,en"); empty: the server detects the scripts.
  const ocrLangs = h("input", { type: "text", name: "ocr_languages", placeholder: "detect (e.g. ru,en)", maxlength: 64 });
  const promptBox = prompt ? h("textarea", { name: "prompt", rows: 2, maxlength: 4000 }) : null;
  const skipBox = skip ? h("input", { type: "checkbox", name: "skip_duplicates", id: uid("skip") }) : null;
  const element = h(
    "fieldset",
    { class: "options" },
    h("legend", null, legend),
    field("Content category", category),
    field("Language", lang),
    field("Text languages (OCR)", ocrLangs),
    field("Back-end", backend, session.backends.length < 2 ? "No vision LLM is configured." : null),
    promptBox ? field("Prompt (optional)", promptBox) : null,
    skipBox ? h("div", { class: "check" }, skipBox, h("label", { for: skipBox.id }, "Skip duplicates")) : null,
  );
  return {
    element,
    read() {
      const values = { content_category: category.value, lang: lang.value };
      if (!backend.disabled) values.backend = backend.value;
      if (ocrLangs.value.trim()) values.ocr_languages = ocrLangs.value.trim();
      if (promptBox && promptBox.value.trim()) values.prompt = promptBox.value.trim();
      if (skipBox && skipBox.checked) values.skip_duplicates = "true";
      return values;
    },
  };
}

// The curl command that does what the page just did (the key stays a variable).
export function curlCommand(path, values, file) {
  const parts = [`curl -s ${location.origin}${path}`, '-H "Authorization: Bearer $IMAGELENS_API_KEY"'];
  if (file) parts.push(`-F "file=@${file.replaceAll('"', '\\"')}"`);
  for (const [name, value] of Object.entries(values || {})) {
    parts.push(`-F "${name}=${String(value).replaceAll('"', '\\"')}"`);
  }
  return parts.join(" \\\n  ");
}
