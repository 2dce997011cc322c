// People: the persons face recognition grouped the library's faces into, most faces first,
// each with its cover face crop; name one inline, select several and merge them, delete one,
// or open one to see the photos they are in. When recognition is off (the server: 501
// not_configured; the tenant: 409 face_recognition_disabled) the view says how to turn it on.
import { api } from "./api.js";
import { clear, confirmDialog, h, showError } from "./dom.js";
import { thumbnail } from "./library.js";

const PAGE = 48;
const API = "/api/v2";
const personPath = (id) => `${API}/people/${encodeURIComponent(id)}`;
const displayName = (person) => person.name || "Not named yet";
const faceCount = (n) => `${n} ${n === 1 ? "face" : "faces"}`;

// Why there is nothing to show, and what turns it on; an admin can turn the tenant on here.
function recognitionOff(err, session, onEnabled) {
  const box = h("div", { class: "card off", role: "alert" });
  if (err.status === 501) {
    box.append(h("h2", null, "Face recognition is off on this server"),
      h("p", null, "Face vectors are biometric data, so recognition is off until the server's operator starts it with ",
        h("code", null, "IMAGELENS_FACES__RECOGNITION=true"), " and an admin then turns it on for the tenant."));
    return box;
  }
  box.append(h("h2", null, "Face recognition is off for this tenant"),
    h("p", null, "Faces are counted but not recognised. An admin turns recognition on with ",
      h("code", null, 'PUT /api/v2/settings/faces {"recognition": true}'),
      "; images already stored are recognised after ", h("code", null, "imagelens faces backfill"), " runs on the server."),
    h("p", { class: "muted" }, "Turning it off again deletes every face vector and person of the tenant."));
  if (session.scopes.includes("admin")) {
    const note = h("div", { role: "status" });
    const button = h("button", { type: "button" }, "Turn on face recognition");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api(`${API}/settings/faces`, { method: "PUT", json: { recognition: true } });
        onEnabled();
      } catch (e) {
        button.disabled = false;
        showError(note, e);
      }
    });
    box.append(h("div", { class: "row" }, button), note);
  }
  return box;
}

const isOff = (err) => err && (err.status === 501 || (err.status === 409 && err.code === "face_recognition_disabled"));

// An inline name editor: Enter or leaving the field saves (PATCH); Escape puts it back.
function nameEditor(person, label, onSaved, note) {
  const input = h("input", { type: "text", class: "person-name", value: person.name || "", placeholder: "Add a name", maxlength: 100, "aria-label": label });
  let saved = person.name || "";
  let busy = false; // Enter saves, and leaving the field after it must not save twice
  async function save() {
    const name = input.value.trim();
    if (busy || name === saved) return;
    busy = true;
    input.readOnly = true;
    try {
      const updated = await api(personPath(person.person_id), { method: "PATCH", json: { name: name || null } });
      saved = updated.name || "";
      input.value = saved;
      note.textContent = saved ? `Named ${saved}.` : "Name removed.";
      onSaved(updated);
    } catch (err) {
      input.value = saved;
      showError(note, err);
    } finally {
      busy = false;
      input.readOnly = false;
    }
  }
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      input.value = saved;
    }
  });
  input.addEventListener("change", save);
  return input;
}

function cover(person) {
  return person.cover_image_id
    ? h("img", { class: "face", src: `${personPath(person.person_id)}/cover`, alt: "", loading: "lazy", width: 160, height: 160 })
    : h("div", { class: "face placeholder", "aria-hidden": "true" }, "?");
}

export function peopleView(main, { session, navigate }) {
  const grid = h("ul", { class: "grid people", "aria-label": "People" });
  const note = h("div", { role: "status", class: "muted" });
  const merge = h("button", { type: "button", disabled: true }, "Merge selected");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  const body = h("div", null, h("p", { class: "muted" }, "Faces found in the library, grouped by person, most faces first. Name a person here; select two or more who are the same person and merge them; open a person to see their photos."),
    h("div", { class: "row" }, merge), note, grid, more);
  const shown = new Map(); // person_id -> {person, card, box}
  let cursor = null;
  let generation = 0;

  function selected() {
    return [...shown.values()].filter((entry) => entry.box.checked);
  }

  function updateMerge() {
    const count = selected().length;
    merge.disabled = count < 2;
    merge.textContent = count >= 2 ? `Merge ${count} selected` : "Merge selected";
  }

  function card(person) {
    const label = () => displayName(shown.get(person.person_id)?.person || person);
    const box = h("input", { type: "checkbox", "aria-label": `Select ${displayName(person)}` });
    box.addEventListener("change", updateMerge);
    const count = h("span", { class: "status" }, faceCount(person.face_count));
    const editor = nameEditor(person, `Name of ${displayName(person)}`, (updated) => {
      shown.get(person.person_id).person = updated;
      box.setAttribute("aria-label", `Select ${displayName(updated)}`);
      open.setAttribute("aria-label", `Photos of ${displayName(updated)}`);
    }, note);
    const open = h("a", { href: `#/people/${encodeURIComponent(person.person_id)}`, class: "photos", "aria-label": `Photos of ${displayName(person)}` }, "Photos");
    const remove = h("button", { type: "button", class: "secondary small" }, "Delete");
    remove.addEventListener("click", async () => {
      if (!(await confirmDialog(`Forget ${label()} and delete their face vectors? The photos stay.`, "Delete person"))) return;
      try {
        await api(personPath(person.person_id), { method: "DELETE" });
        shown.get(person.person_id).card.remove();
        shown.delete(person.person_id);
        updateMerge();
        note.textContent = `${label()} deleted.`;
      } catch (err) {
        showError(note, err);
      }
    });
    const li = h("li", { class: "tile person" }, h("a", { href: open.getAttribute("href"), tabindex: -1, "aria-hidden": "true" }, cover(person)),
      editor, h("div", { class: "person-meta" }, h("label", { class: "check" }, box, "Select"), count), h("div", { class: "row" }, open, remove));
    shown.set(person.person_id, { person, card: li, box });
    return li;
  }

  async function load(reset) {
    const mine = reset ? ++generation : generation;
    if (reset) {
      cursor = null;
      shown.clear();
      clear(grid);
    }
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) params.set("cursor", cursor);
    try {
      const page = await api(`${API}/people?${params}`);
      if (mine !== generation) return;
      grid.append(...page.items.map(card));
      cursor = page.next_cursor;
      more.hidden = !page.has_more;
      if (reset) note.textContent = shown.size ? `${shown.size} ${shown.size === 1 ? "person" : "people"}${page.has_more ? " so far" : ""}.` : "No people yet: faces are grouped as images with faces are analysed.";
      updateMerge();
    } catch (err) {
      if (mine !== generation) return;
      if (isOff(err)) clear(body).append(recognitionOff(err, session, () => navigate("#/people")));
      else showError(note, err);
    }
  }

  merge.addEventListener("click", async () => {
    // Keep a named person if there is one (their name stays), else the one with most faces.
    const chosen = selected();
    const keep = chosen.find((entry) => entry.person.name) || chosen[0];
    const others = chosen.filter((entry) => entry !== keep);
    const question = `Merge ${others.length + 1} people into ${displayName(keep.person)}? This cannot be undone.`;
    if (!(await confirmDialog(question, "Merge"))) return;
    merge.disabled = true;
    try {
      const kept = await api(`${personPath(keep.person.person_id)}/merge`, { method: "POST", json: { person_ids: others.map((e) => e.person.person_id) } });
      await load(true);
      note.textContent = `Merged into ${displayName(kept)} (${faceCount(kept.face_count)}).`;
    } catch (err) {
      showError(note, err);
      updateMerge();
    }
  });
  more.addEventListener("click", () => load(false));

  clear(main).append(h("h1", { tabindex: -1 }, "People"), body);
  load(true);
}

// One person: their name (editable), face count, and the photos they appear in.
export function personView(main, { session, params, navigate }) {
  const personId = params[0];
  const heading = h("h1", { tabindex: -1 }, "Person");
  const slot = h("div", null, h("p", { class: "muted" }, "Loading…"));
  const grid = h("ul", { class: "grid", "aria-label": "Photos" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  const note = h("div", { role: "status" });
  let cursor = null;

  async function loadPhotos() {
    const query = new URLSearchParams({ limit: "24" });
    if (cursor) query.set("cursor", cursor);
    try {
      const page = await api(`${personPath(personId)}/files?${query}`);
      grid.append(...page.items.map(thumbnail));
      cursor = page.next_cursor;
      more.hidden = !page.has_more;
    } catch (err) {
      showError(note, err);
    }
  }

  async function show() {
    try {
      const person = await api(personPath(personId));
      heading.textContent = displayName(person);
      const count = h("p", { class: "muted" }, `${faceCount(person.face_count)} in the library.`);
      clear(slot).append(h("div", { class: "person-head" }, cover(person),
        h("div", null, nameEditor(person, "Name", (updated) => { heading.textContent = displayName(updated); }, note), count)), note,
        h("h2", null, "Photos"), grid, more);
      await loadPhotos();
    } catch (err) {
      if (isOff(err)) clear(slot).append(recognitionOff(err, session, () => navigate(`#/people/${personId}`)));
      else showError(slot, err);
    }
  }

  more.addEventListener("click", loadPhotos);
  clear(main).append(h("p", null, h("a", { href: "#/people" }, "← People")), heading, slot);
  show();
}
