// One analysis, shown whole: the image with its text boxes, then every field of the result.
import { append, copyButton, errorBox, formatBytes, formatDate, h } from "./dom.js";

const pct = (value) => `${Math.round(value * 100)}%`;

// The image with a focusable box over each text line; hover or focus shows its text.
function overlay(analysis) {
  // A PDF shows its first page (the thumbnail) with that page's boxes; a video its middle
  // key frame, without boxes (its text was read on other frames too).
  const isDocument = analysis.result.metadata.media_type !== "image"; // a PDF or a video
  const regions = (analysis.result.text_regions || []).filter((r) => (r.page || 1) === 1 && r.time_s == null);
  const img = h("img", {
    src: `/api/v2/files/${encodeURIComponent(analysis.image_id)}/${isDocument ? "thumbnail" : "content"}`,
    alt: analysis.filename,
    class: "subject",
  });
  img.addEventListener("error", () => {
    // Formats a browser cannot show (HEIC, say) fall back to the server's WebP thumbnail.
    if (!img.dataset.fallback) {
      img.dataset.fallback = "1";
      img.src = `/api/v2/files/${encodeURIComponent(analysis.image_id)}/thumbnail`;
    }
  });
  const boxes = regions.map((region, index) => {
    const tip = `${region.text} (confidence ${pct(region.confidence)})`;
    const { x, y, width, height } = region.bbox;
    return h(
      "button",
      {
        type: "button",
        class: "box",
        "aria-label": `Text line ${index + 1}: ${tip}`,
        dataset: { text: region.text, index: String(index) },
        style: { left: pct(x), top: pct(y), width: pct(width), height: pct(height) },
      },
      h("span", { class: "tip", role: "tooltip" }, tip),
    );
  });
  return h("figure", { class: "overlay" }, h("div", { class: "frame" }, img, boxes),
    h("figcaption", { class: "muted" }, regions.length ? `${regions.length} text lines: hover or focus a box to read it.` : analysis.filename));
}

function section(title, ...content) {
  return h("section", { class: "card" }, h("h3", null, title), content);
}

function table(rows, headers) {
  return h(
    "table",
    null,
    headers ? h("thead", null, h("tr", null, headers.map((t) => h("th", { scope: "col" }, t)))) : null,
    h("tbody", null, rows.map(([key, value]) => h("tr", null, h("th", { scope: "row" }, key), h("td", null, value)))),
  );
}

// Extracted fields: scalars as text, lists and objects as nested tables or lists.
function renderValue(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) {
    if (!value.length) return "—";
    return h("ul", { class: "plain" }, value.map((item) => h("li", null, renderValue(item))));
  }
  if (typeof value === "object") return table(Object.entries(value).map(([k, v]) => [k, renderValue(v)]));
  return String(value);
}

function tagsOf(result) {
  const scores = new Map((result.tag_scores || []).map((t) => [t.name, t.confidence]));
  return h(
    "ul",
    { class: "tags", "aria-label": "Tags" },
    result.tags.map((tag) => h("li", { title: scores.has(tag) ? pct(scores.get(tag)) : null }, tag)),
  );
}

function moderationOf(moderation) {
  if (!moderation) return h("p", { class: "muted" }, "Not checked.");
  return [
    h("p", null, moderation.flagged ? h("strong", { class: "flag" }, "Flagged") : "Nothing flagged.",
      ` Faces found: ${moderation.face_count}.`),
    moderation.labels.length ? table(moderation.labels.map((l) => [l.label, pct(l.score)]), ["Label", "Score"]) : null,
  ];
}

function colorsOf(colors) {
  if (!colors) return h("p", { class: "muted" }, "—");
  return [
    h("ul", { class: "swatches" }, colors.dominant.map((c) =>
      h("li", null, h("span", { class: "swatch", style: { backgroundColor: c.hex }, "aria-hidden": "true" }),
        `${c.name} ${c.hex} · ${pct(c.fraction)}`))),
    h("p", { class: "muted" }, `Brightness ${pct(colors.brightness)} · sharpness ${colors.sharpness.toFixed(0)}${colors.is_blurry ? " · blurry" : ""}`),
  ];
}

function metadataOf(analysis, result) {
  const m = result.metadata;
  const rows = [
    ["File", analysis.filename], ["Size", `${m.width} × ${m.height} px, ${formatBytes(m.size_bytes)}`],
    ["Format", `${m.format} (${m.content_type})${m.pages ? `, ${m.pages} pages` : ""}${m.codec ? `, ${m.codec}` : ""}`], ["Uploaded", formatDate(analysis.created_at)],
    m.duration_s != null ? ["Duration", `${m.duration_s} s at ${m.fps} fps${m.rotation ? `, turned ${m.rotation}°` : ""}`] : null,
    ["Category", result.category], ["Back-end", result.backend], ["Language", result.lang],
    ["SHA-256", h("code", { class: "wrap" }, analysis.content_hash)],
  ].filter(Boolean);
  const exif = result.exif || {};
  const exifRows = [
    ["Camera", exif.camera], ["Taken", exif.taken_at ? formatDate(exif.taken_at) : null],
    ["GPS", exif.gps_latitude != null ? `${exif.gps_latitude.toFixed(5)}, ${exif.gps_longitude.toFixed(5)}` : null],
    ["Orientation", exif.orientation],
  ].filter(([, v]) => v !== null && v !== undefined);
  return [table(rows), h("h4", null, "EXIF"), exifRows.length ? table(exifRows) : h("p", { class: "muted" }, "No EXIF data.")];
}

function pagesOf(result) {
  return table(
    result.pages.map((p) => [`Page ${p.page}`, `${p.width} × ${p.height} pt · ${p.text_source === "ocr" ? "OCR" : "text layer"} · ${p.text_regions} lines`]),
    ["Page", "Size and text"],
  );
}

function framesOf(result) {
  const seconds = (s) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;
  return [
    table(result.frames.map((f) => [seconds(f.time_s), [f.tags.join(", ") || "—", f.visible_text ? ` · “${f.visible_text.replaceAll("\n", " ")}”` : "", f.flagged ? " · flagged" : ""].join("")]), ["Time", "Tags and text"]),
    h("h4", null, "Tags over time"),
    table(result.tag_ranges.slice(0, 30).map((r) => [r.name, `${seconds(r.start_s)}–${seconds(r.end_s)} (${pct(r.confidence)})`]), ["Tag", "When"]),
  ];
}

function timingsOf(result) {
  const entries = Object.entries(result.timings_ms || {});
  if (!entries.length) return h("p", { class: "muted" }, "—");
  return table(entries.map(([stage, ms]) => [stage, `${ms.toFixed(1)} ms`]), ["Stage", "Time"]);
}

export function renderResult(analysis, { curl } = {}) {
  const result = analysis.result;
  const root = h("article", { class: "result", "aria-label": `Result for ${analysis.filename}`, dataset: { imageId: analysis.image_id } });
  if (analysis.status === "failed" || !result) {
    const why = analysis.error ? analysis.error : { message: `The analysis is ${analysis.status}.` };
    append(root, [h("h2", null, analysis.filename), errorBox(why)]);
    return root;
  }
  const text = result.visible_text || "";
  // The helper, not Element.append: that one would print a null section as "null".
  append(root, [
    h("h2", null, analysis.filename),
    h("div", { class: "result-grid" },
      overlay(analysis),
      h("div", { class: "result-main" },
        section("Description", h("p", { class: "description" }, result.description),
          result.confidence_score != null ? h("p", { class: "muted" }, `Confidence ${pct(result.confidence_score)} · ${result.category}`) : null,
          result.vlm_fallback ? h("p", { class: "warn" }, `The vision LLM failed; local result shown: ${result.vlm_fallback}`) : null),
        section("Tags", tagsOf(result)),
        section("Visible text", text ? [h("pre", { class: "visible-text" }, text), copyButton("Copy text", () => text)] : h("p", { class: "muted" }, "No text found.")),
      ),
    ),
    result.extracted && Object.keys(result.extracted).length ? section("Extracted fields", renderValue(result.extracted)) : null,
    result.pages && result.pages.length ? section(`Pages (${result.pages.length})`, pagesOf(result)) : null,
    result.frames && result.frames.length ? section(`Key frames (${result.frames.length})`, framesOf(result)) : null,
    h("div", { class: "cards" },
      section("Moderation", moderationOf(result.moderation)),
      section("Colours", colorsOf(result.colors)),
      section("Metadata", metadataOf(analysis, result)),
      section("Timings", timingsOf(result)),
    ),
    h("details", null, h("summary", null, "Raw JSON"), h("pre", { class: "code" }, JSON.stringify(analysis, null, 2))),
    curl ? h("details", null, h("summary", null, "curl"), h("pre", { class: "code" }, curl), copyButton("Copy command", () => curl)) : null,
  ]);
  return root;
}
