// Building the DOM without HTML strings: text always goes in as text nodes, so nothing a
// user, a file or a model wrote can become markup (the one exception, rendered Markdown, is
// sanitised in markdown.js).

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (name === "style") {
      Object.assign(el.style, value); // CSSOM: allowed by the page's style-src 'self'
    } else if (name === "value") {
      el.value = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let ids = 0;
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

// A labelled control: <label for=id>text</label> + the control (accessible name = text).
export function field(text, control, hint) {
  if (!control.id) control.id = uid("f");
  const parts = [h("label", { for: control.id }, text), control];
  if (hint) {
    const hintId = uid("hint");
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("small", { id: hintId, class: "muted" }, hint));
  }
  return h("div", { class: "field" }, parts);
}

export function select(name, options, selected) {
  return h(
    "select",
    { name },
    options.map(([value, text]) => h("option", { value, selected: value === selected }, text)),
  );
}

// A message a person can act on, announced by screen readers.
export function errorBox(err) {
  const message = err && err.message ? err.message : String(err);
  const code = err && err.code ? ` (${err.code})` : "";
  return h("div", { class: "error", role: "alert" }, message + code);
}

export function showError(slot, err) {
  clear(slot).append(errorBox(err));
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDate(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed: select the text";
  }
  setTimeout(() => {
    button.textContent = button.dataset.label || "Copy";
  }, 2000);
}

export function copyButton(label, getText) {
  const button = h("button", { type: "button", class: "secondary", dataset: { label } }, label);
  button.addEventListener("click", () => copyText(getText(), button));
  return button;
}

// A modal yes/no question (<dialog>), resolved with true when confirmed.
export function confirmDialog(question, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-label": question },
      h("p", null, question),
      h(
        "form",
        { method: "dialog", class: "row" },
        h("button", { value: "cancel", class: "secondary" }, "Cancel"),
        h("button", { value: "ok", class: "danger" }, confirmLabel),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
