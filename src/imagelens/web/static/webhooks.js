// Admin > Webhooks: the tenant's webhooks (create with the secret shown once; list with their
// state; send a test; delete) and each one's latest deliveries.
import { api } from "./api.js";
import { clear, confirmDialog, copyButton, field, formatDate, h, showError } from "./dom.js";

const EVENTS = ["job.completed", "job.failed", "session.completed", "image.deleted"];

export function webhooksCard() {
  const rows = h("tbody");
  const note = h("div", { role: "status" });
  const created = h("div", { "aria-live": "polite" });
  const deliveries = h("div", { "aria-live": "polite" });
  const url = h("input", { type: "url", name: "url", required: true, maxlength: 2000, placeholder: "https://example.com/hooks/imagelens" });
  const boxes = EVENTS.map((event) => h("input", { type: "checkbox", name: "events", value: event, id: `event-${event}`, checked: event.startsWith("job.") }));
  const form = h("form", { class: "create-webhook" }, h("h3", null, "Add a webhook"),
    field("URL", url, "Public http(s) address; it is checked again at every delivery."),
    h("fieldset", { class: "scopes" }, h("legend", null, "Events"),
      boxes.map((box) => h("span", { class: "check" }, box, h("label", { for: box.id }, box.value)))),
    h("button", { type: "submit" }, "Add webhook"), created);

  async function showDeliveries(hook) {
    try {
      const list = await api(`/api/v2/webhooks/${encodeURIComponent(hook.webhook_id)}/deliveries?limit=20`);
      clear(deliveries).append(h("h3", null, `Latest deliveries to ${hook.url}`),
        list.deliveries.length === 0 ? h("p", null, "None yet.") :
        h("div", { class: "scroll" }, h("table", null,
          h("thead", null, h("tr", null, ["Event", "Status", "Attempts", "Answer", "Time", "Created"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", null, list.deliveries.map((d) => h("tr", null, h("td", null, d.event), h("td", null, d.status),
            h("td", null, String(d.attempts)), h("td", null, d.last_error || (d.last_status ? `HTTP ${d.last_status}` : "—")),
            h("td", null, d.duration_ms == null ? "—" : `${d.duration_ms} ms`), h("td", null, formatDate(d.created_at))))))));
    } catch (err) {
      showError(deliveries, err);
    }
  }

  async function load() {
    try {
      const list = await api("/api/v2/webhooks");
      clear(rows).append(...list.webhooks.map((hook) => {
        const test = h("button", { type: "button", "aria-label": `Send a test to ${hook.url}` }, "Test");
        test.addEventListener("click", async () => {
          try {
            await api(`/api/v2/webhooks/${encodeURIComponent(hook.webhook_id)}/test`, { method: "POST" });
            clear(note).append(`Test queued for ${hook.url}.`);
            setTimeout(() => showDeliveries(hook), 1500);
          } catch (err) {
            showError(note, err);
          }
        });
        const history = h("button", { type: "button", "aria-label": `Deliveries to ${hook.url}` }, "Deliveries");
        history.addEventListener("click", () => showDeliveries(hook));
        const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete the webhook ${hook.url}` }, "Delete");
        remove.addEventListener("click", async () => {
          if (!(await confirmDialog(`Delete the webhook to ${hook.url}? Its pending deliveries are dropped.`, "Delete"))) return;
          try {
            await api(`/api/v2/webhooks/${encodeURIComponent(hook.webhook_id)}`, { method: "DELETE" });
            clear(note).append(`Deleted the webhook to ${hook.url}.`);
            clear(deliveries);
            load();
          } catch (err) {
            showError(note, err);
          }
        });
        const state = hook.enabled ? "enabled" : `disabled: ${hook.disabled_reason || "by hand"}`;
        return h("tr", null, h("td", null, hook.url), h("td", null, hook.events.join(" ")), h("td", null, state),
          h("td", null, formatDate(hook.created_at)), h("td", null, test, " ", history, " ", remove));
      }));
    } catch (err) {
      showError(note, err);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(created);
    const body = { url: url.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value) };
    try {
      const hook = await api("/api/v2/webhooks", { method: "POST", json: body });
      created.append(h("div", { class: "once", role: "status" },
        h("p", null, h("strong", null, "Webhook added. "), "Copy its signing secret now: it is shown only this once."),
        h("code", { class: "new-key" }, hook.secret), copyButton("Copy secret", () => hook.secret)));
      form.reset();
      load();
    } catch (err) {
      showError(created, err);
    }
  });

  load();
  return h("section", { class: "card webhooks" }, h("h2", null, "Webhooks"),
    h("div", { class: "scroll" }, h("table", null,
      h("thead", null, h("tr", null, ["URL", "Events", "State", "Created", ""].map((t) => h("th", { scope: "col" }, t)))), rows)),
    note, deliveries, form);
}
