// Admin: the tenant's keys (create, shown once; list; revoke), its quota and rate limit, and its
// webhooks (webhooks.js).
import { api, request } from "./api.js";
import { clear, confirmDialog, copyButton, field, formatDate, h, showError } from "./dom.js";
import { webhooksCard } from "./webhooks.js";

function quotaCard(quota, headers) {
  const limit = headers.get("X-RateLimit-Limit");
  return h("section", { class: "card" }, h("h2", null, "Quota and rate limit"),
    h("table", null, h("tbody", null,
      [["Monthly analyses", String(quota.monthly_limit)], ["Used this month", String(quota.current_usage)],
       ["Available", String(quota.available)], ["Largest batch", String(quota.max_batch_size ?? "—")],
       ["Requests per minute", limit ? `${headers.get("X-RateLimit-Remaining")} of ${limit} left; resets in ${headers.get("X-RateLimit-Reset")} s` : "No limit"],
      ].map(([k, v]) => h("tr", null, h("th", { scope: "row" }, k), h("td", null, v))))),
    quota.message ? h("p", { class: "warn" }, quota.message) : null);
}

export function adminView(main, { session }) {
  if (!session.scopes.includes("admin") && !session.scopes.includes("operator")) {
    clear(main).append(h("h1", { tabindex: -1 }, "Admin"),
      h("p", { role: "alert", class: "error" }, "This key lacks the admin scope: sign in with an admin key to manage keys."));
    return;
  }
  const quotaSlot = h("div");
  const rows = h("tbody");
  const keysNote = h("div", { role: "status" });
  const created = h("div", { "aria-live": "polite" });
  const scopes = ["read", "write", "admin", ...(session.scopes.includes("operator") ? ["operator"] : [])];
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 200 });
  const expiry = h("input", { type: "date", name: "expires" });
  const boxes = scopes.map((scope) => h("input", { type: "checkbox", name: "scopes", value: scope, id: `scope-${scope}`, checked: scope === "read" || scope === "write" }));
  const form = h("form", { class: "card create-key" }, h("h2", null, "Create a key"),
    field("Key name", name),
    h("fieldset", { class: "scopes" }, h("legend", null, "Scopes"),
      boxes.map((box) => h("span", { class: "check" }, box, h("label", { for: box.id }, box.value)))),
    field("Expires (optional)", expiry, "Leave empty for a key that does not expire."),
    h("button", { type: "submit" }, "Create key"), created);

  async function loadKeys() {
    try {
      const keys = await api("/api/v2/api-keys");
      clear(rows).append(...keys.items.map((key) => {
        const revoke = h("button", { type: "button", class: "danger", "aria-label": `Revoke ${key.name}` }, "Revoke");
        revoke.addEventListener("click", async () => {
          if (!(await confirmDialog(`Revoke the key "${key.name}" (${key.prefix}…)? Anything using it stops working.`, "Revoke"))) return;
          try {
            await api(`/api/v2/api-keys/${encodeURIComponent(key.id)}`, { method: "DELETE" });
            clear(keysNote).append(`Revoked ${key.name}.`);
            loadKeys();
          } catch (err) {
            showError(keysNote, err);
          }
        });
        return h("tr", null, h("td", null, key.name), h("td", null, h("code", null, `${key.prefix}…`)),
          h("td", null, key.scopes.join(" ")), h("td", null, key.expires_at ? formatDate(key.expires_at) : "never"),
          h("td", null, formatDate(key.created_at)), h("td", null, revoke));
      }));
    } catch (err) {
      showError(keysNote, err);
    }
  }

  async function loadQuota() {
    try {
      const { data, headers } = await request("/api/v2/quota");
      clear(quotaSlot).append(quotaCard(data, headers));
    } catch (err) {
      showError(quotaSlot, err);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(created);
    const body = { name: name.value.trim(), scopes: boxes.filter((b) => b.checked).map((b) => b.value) };
    if (expiry.value) body.expires_at = new Date(`${expiry.value}T23:59:59`).toISOString();
    try {
      const key = await api("/api/v2/api-keys", { method: "POST", json: body });
      const shown = h("code", { class: "new-key" }, key.key);
      created.append(h("div", { class: "once", role: "status" },
        h("p", null, h("strong", null, `Key "${key.name}" created. `), "Copy it now: it is shown only this once."),
        shown, copyButton("Copy key", () => key.key)));
      form.reset();
      loadKeys();
    } catch (err) {
      showError(created, err);
    }
  });

  clear(main).append(h("h1", { tabindex: -1 }, "Admin"), quotaSlot,
    h("section", { class: "card" }, h("h2", null, "Keys"),
      h("div", { class: "scroll" }, h("table", { class: "keys" },
        h("thead", null, h("tr", null, ["Name", "Prefix", "Scopes", "Expires", "Created", ""].map((t) => h("th", { scope: "col" }, t)))), rows)),
      keysNote),
    form, webhooksCard());
  loadQuota();
  loadKeys();
}
