// The page's shell: who is signed in, the navigation and a hash router over the views.
import { api, setCsrf } from "./api.js";
import { adminView } from "./admin.js";
import { analyzeView } from "./analyze.js";
import { batchView } from "./batch.js";
import { describeView } from "./describe.js";
import { clear, errorBox, h } from "./dom.js";
import { detailView, libraryView } from "./library.js";
import { peopleView, personView } from "./people.js";
import { signInView } from "./signin.js";

const ROUTES = [
  [/^#\/analyze$/, analyzeView, "Analyse"],
  [/^#\/library$/, libraryView, "Library"],
  [/^#\/library\/([\w-]+)$/, detailView, "Image"],
  [/^#\/people$/, peopleView, "People"],
  [/^#\/people\/([\w-]+)$/, personView, "Person"],
  [/^#\/batch$/, batchView, "Batch"],
  [/^#\/describe$/, describeView, "Describe"],
  [/^#\/admin$/, adminView, "Admin"],
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let session = null;
let cleanup = null;

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route() {
  if (!session) return;
  const hash = location.hash.startsWith("#/") ? location.hash : "#/analyze";
  if (cleanup) cleanup();
  cleanup = null;
  for (const link of nav.querySelectorAll("a")) {
    const here = hash === link.getAttribute("href") || hash.startsWith(`${link.getAttribute("href")}/`);
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  for (const [pattern, view, title] of ROUTES) {
    const match = hash.match(pattern);
    if (match) {
      document.title = `${title} · imagelens`;
      try {
        cleanup = view(main, { session, params: match.slice(1), navigate }) || null;
      } catch (err) {
        clear(main).append(errorBox(err));
      }
      const heading = main.querySelector("h1");
      if (heading) heading.focus({ preventScroll: true });
      return;
    }
  }
  clear(main).append(h("h1", { tabindex: -1 }, "Not found"), h("p", null, h("a", { href: "#/analyze" }, "Go to Analyse")));
}

function signedIn(info) {
  session = info;
  setCsrf(info.csrf_token);
  document.getElementById("who-name").textContent = `${info.key_name} · ${info.tenant}`;
  nav.hidden = false;
  who.hidden = false;
  route();
}

function signedOut(reason) {
  session = null;
  setCsrf(null);
  if (cleanup) cleanup();
  cleanup = null;
  nav.hidden = true;
  who.hidden = true;
  document.title = "Sign in · imagelens";
  signInView(main, { onSignedIn: signedIn, reason });
}

document.getElementById("sign-out").addEventListener("click", async () => {
  try {
    await api("/web/session", { method: "DELETE" });
  } finally {
    signedOut(null);
  }
});
window.addEventListener("hashchange", route);
window.addEventListener("imagelens:signed-out", (event) => {
  if (session) signedOut({ message: `Signed out: ${event.detail.message}` });
});

async function start() {
  try {
    const info = await api("/web/session");
    if (info.signed_in) signedIn(info);
    else signedOut(null);
  } catch (err) {
    clear(main).append(errorBox(err));
  }
}

start();
