// The describe-image playground: an image, a prompt and a language in; Markdown out.
import { api, formOf } from "./api.js";
import { clear, field, h, showError } from "./dom.js";
import { languageSelect } from "./options.js";

export function describeView(main, { session }) {
  const file = h("input", { type: "file", name: "image", accept: "image/*,application/pdf" });
  const url = h("input", { type: "url", name: "url", placeholder: "or an image URL" });
  const prompt = h("textarea", { name: "prompt", rows: 3, required: true, maxlength: 4000 }, "Describe this image.");
  const lang = languageSelect(session);
  const submit = h("button", { type: "submit" }, "Describe");
  const answer = h("div", { class: "card answer", "aria-live": "polite" });
  const form = h("form", { class: "card describe" },
    field("Image", file), field("Image URL", url), field("Prompt", prompt), field("Language", lang), submit);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const image = file.files[0] || url.value.trim();
    if (!image) {
      showError(answer, { message: "Choose an image file or give an image URL." });
      return;
    }
    submit.disabled = true;
    clear(answer).append(h("p", { class: "muted" }, "Describing…"));
    try {
      const [{ renderMarkdown }, body] = await Promise.all([
        import("./markdown.js"),
        api("/api/openapi-v2/describe-image", { method: "POST", form: formOf({ image, prompt: prompt.value, lang: lang.value }) }),
      ]);
      clear(answer).append(h("h2", null, "Answer"), renderMarkdown(body.data.content));
    } catch (err) {
      showError(answer, err);
    } finally {
      submit.disabled = false;
    }
  });

  clear(main).append(h("h1", { tabindex: -1 }, "Describe an image"),
    h("p", { class: "muted" }, "The describe-image API: a prompt and a language in, a Markdown answer out."),
    h("div", { class: "two" }, form, answer));
}
