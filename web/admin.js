// Admin in the browser (docs/web.md): on every page, asks /api/session whether this browser holds
// an admin session. If not, the header offers "Sign in" and nothing else changes. If so, it offers
// "Sign out" and decorates what the pages render with admin buttons: dequeue and promote on the
// status page's items; re-run (enqueue again) on a finished build's page; on the change page's
// rows (data-pipeline, data-change, data-project) dequeue when in a queue now, else re-run.
// Every action is confirmed first and sent with the session's CSRF token; the result is shown on
// the page. No button is drawn for anyone without an admin session.
(() => {
  const main = document.querySelector("main");
  const nav = document.querySelector("header nav");
  if (!main || !nav) return;
  let csrf = "";

  const el = (tag, props = {}, ...children) => {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...children);
    return e;
  };

  function signInLink() {
    if (location.pathname === "/signin") return;
    const next = encodeURIComponent(location.pathname + location.search);
    nav.append(el("a", { href: `/signin?next=${next}`, id: "signin-link" }, "Sign in"));
  }

  function signOutForm(session) {
    const form = el("form", { method: "post", action: "/signout", id: "signout", className: "signout" });
    form.append(
      el("input", { type: "hidden", name: "csrf", value: csrf }),
      el("span", { className: "muted", title: "admin session" }, `admin ${session}`),
      el("button", { type: "submit" }, "Sign out"),
    );
    nav.append(form);
  }

  // The answer of the last action, above the page's content (outside what the pages redraw).
  function show(ok, text) {
    let box = document.getElementById("admin-result");
    if (!box) {
      box = el("div", { id: "admin-result", className: "admin-result" });
      box.setAttribute("role", "status");
      main.prepend(box);
    }
    box.className = `admin-result ${ok ? "ok" : "bad"}`;
    box.textContent = text;
    // The status page follows the gate live; the other pages show it after a reload.
    if (ok && !document.getElementById("status")) box.append(" ", el("a", { href: location.href, id: "admin-reload" }, "Reload the page to see it."));
  }

  const ACTIONS = {
    dequeue: { label: "Dequeue", ask: (d) => `Dequeue change ${d.change} from ${d.pipeline}?`, done: (d) => `dequeued ${d.change} from ${d.pipeline}` },
    promote: {
      label: "Promote",
      ask: (d) => `Promote change ${d.change} to the head of its ${d.pipeline} queue? Every item in the queue is tested again.`,
      done: (d) => `promoted ${d.change} in ${d.pipeline}`,
    },
    enqueue: {
      label: "Re-run",
      ask: (d) => `Re-run change ${d.change} (${d.project}) in ${d.pipeline}: enqueue it again at its current patch set?`,
      done: (d) => `enqueued ${d.change} into ${d.pipeline}`,
    },
  };

  function button(action, data) {
    const b = el("button", { type: "button", className: `admin-${action}` }, ACTIONS[action].label);
    // Not data-pipeline and the like: the button would then be a row to decorate itself.
    Object.assign(b.dataset, { admin: action, actPipeline: data.pipeline, actChange: data.change, actProject: data.project ?? "" });
    b.title = ACTIONS[action].ask(data).replace(/\?.*$/, "");
    return b;
  }

  async function run(b) {
    const d = { admin: b.dataset.admin, pipeline: b.dataset.actPipeline, change: b.dataset.actChange, project: b.dataset.actProject };
    const a = ACTIONS[d.admin];
    if (!a || !window.confirm(a.ask(d))) return;
    const body = { pipeline: d.pipeline, change: d.change, ...(d.admin === "enqueue" ? { project: d.project } : {}) };
    try {
      const res = await fetch(`/api/${d.admin}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-gatebox-csrf": csrf },
        body: JSON.stringify(body),
      });
      const answer = await res.json().catch(() => ({}));
      if (res.ok) show(true, `Done: ${a.done(d)}.`);
      else show(false, `Refused (${res.status}): ${answer.error ?? res.statusText}`);
    } catch (err) {
      show(false, `Could not reach gatebox: ${err.message}`);
    }
  }

  // Each pipeline's manager, from /api/status (pipelines change only with the config).
  const managers = new Map();

  // The status page's items: dequeue everywhere; promote in a dependent (or serial) pipeline,
  // where it reorders the queue, on every item but the first.
  function decorateStatus() {
    for (const item of main.querySelectorAll(".pipeline[data-pipeline] .item[data-change]")) {
      const head = item.querySelector(":scope > .item-head");
      if (!head || head.querySelector(".admin-actions")) continue;
      const section = item.closest(".pipeline");
      const data = { pipeline: section.dataset.pipeline, change: item.dataset.change };
      const box = el("span", { className: "admin-actions" }, button("dequeue", data));
      const manager = managers.get(data.pipeline);
      if (manager && manager !== "independent" && item.previousElementSibling) box.append(button("promote", data));
      head.append(box);
    }
  }

  // A build page names its build only: the build's pipeline, project and change come from
  // /api/builds/ID, and a finished build of a change gets them as data attributes to decorate.
  async function describeBuild() {
    const section = document.getElementById("build");
    if (!section?.dataset.build) return;
    const res = await fetch(`/api/builds/${encodeURIComponent(section.dataset.build)}`, { cache: "no-store" });
    if (!res.ok) return;
    const { build } = await res.json();
    if (build.result === null || build.changeNumber === null) return;
    Object.assign(section.dataset, { pipeline: build.pipeline, project: build.project, change: String(build.changeNumber) });
  }

  async function learnManagers() {
    if (!document.getElementById("status")) return;
    const res = await fetch("/api/status", { cache: "no-store" });
    if (!res.ok) return;
    for (const p of (await res.json()).pipelines ?? []) managers.set(p.name, p.manager);
  }

  // Anything else naming a pipeline, a change and its project: a finished build, the change
  // page's rows. In a queue now (data-queue): dequeue, on the row of the queue item (the
  // pipeline's summary row repeats it). Else re-run (Zuul's re-enqueue), but not on each of the
  // change's past items (item-row): its pipeline's row offers it once.
  function decorateRows() {
    for (const row of main.querySelectorAll("[data-pipeline][data-change][data-project]")) {
      if (!row.dataset.change || row.classList.contains("item-row")) continue;
      if (row.querySelector(":scope > .admin-actions, :scope > td > .admin-actions")) continue;
      const inQueue = row.dataset.queue !== undefined;
      if (inQueue && row.classList.contains("pipeline-row")) continue;
      const box = el("span", { className: "admin-actions" }, button(inQueue ? "dequeue" : "enqueue", row.dataset));
      row.append(row.tagName === "TR" ? el("td", {}, box) : box);
    }
  }

  function decorate() {
    decorateStatus();
    decorateRows();
  }

  // The status page redraws itself every second and can swap a button between press and release,
  // so a click is taken from the press and release of the same button (by its data), and from the
  // keyboard's click (detail 0).
  const keyOf = (b) => `${b.dataset.admin}|${b.dataset.actPipeline}|${b.dataset.actChange}`;
  const adminButton = (e) => (e.target instanceof Element ? e.target.closest("button[data-admin]") : null);
  let pressed = null;
  document.addEventListener("pointerdown", (e) => {
    const b = adminButton(e);
    pressed = b && e.button === 0 ? keyOf(b) : null;
  });
  document.addEventListener("pointerup", (e) => {
    const b = adminButton(e);
    if (b && pressed === keyOf(b)) {
      pressed = null;
      run(b);
    }
  });
  document.addEventListener("click", (e) => {
    const b = adminButton(e);
    if (b && e.detail === 0) run(b);
  });

  async function start() {
    const s = await (await fetch("/api/session", { cache: "no-store", credentials: "same-origin" })).json();
    if (!s.admin) {
      if (s.signin) signInLink();
      return;
    }
    csrf = String(s.csrf);
    document.body.dataset.admin = String(s.session);
    signOutForm(String(s.session));
    await Promise.all([learnManagers(), describeBuild()]);
    decorate();
    new MutationObserver(decorate).observe(main, { childList: true, subtree: true });
  }
  // Without an answer (gatebox restarting) the page stays as it is: no admin buttons.
  start().catch(() => {});
})();
