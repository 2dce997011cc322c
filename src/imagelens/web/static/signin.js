// Sign in: the API key is sent once, in a JSON body, and traded for an HttpOnly cookie; the
// page never keeps it.
import { ApiError, api } from "./api.js";
import { clear, errorBox, field, h } from "./dom.js";

export function signInView(main, { onSignedIn, reason }) {
  const key = h("input", { type: "password", name: "api_key", autocomplete: "off", required: true, spellcheck: "false" });
  const message = h("div", { class: "message" }, reason ? errorBox(reason) : null);
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "card signin" },
    h("h1", { tabindex: -1 }, "Sign in"),
    h("p", { class: "muted" }, "Use an API key of this server: make run prints the first one and writes it to data/admin-key; an admin can create more under Admin."),
    field("API key", key), message, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    clear(message);
    try {
      const session = await api("/web/session", { method: "POST", json: { api_key: key.value } });
      key.value = "";
      onSignedIn(session);
    } catch (err) {
      const shown = err instanceof ApiError && err.status === 401
        ? { message: "That API key was not accepted: it is unknown, revoked or expired." }
        : err;
      message.append(errorBox(shown));
      key.select();
    } finally {
      button.disabled = false;
    }
  });
  clear(main).append(form);
  key.focus();
}
