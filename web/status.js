// The status page: draws every pipeline from /api/events (server-sent events, no reload), each gate
// queue as a tree in which an item hangs from the item it is tested on, so a failing item visibly
// branches off the line; an item outside the window waits in line behind the one ahead of it.
// Filters (change, project, owner) live in the query string: bookmarkable.
(() => {
  const root = document.getElementById("status");
  const form = document.getElementById("filters");
  const live = document.getElementById("live");
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  let data = null;
  let receivedAt = 0;

  const params = new URLSearchParams(location.search);
  for (const name of ["change", "project", "owner"]) form.elements[name].value = params.get(name) ?? "";
  const filters = () => ({
    change: form.elements.change.value.trim(),
    project: form.elements.project.value.trim().toLowerCase(),
    owner: form.elements.owner.value.trim().toLowerCase(),
  });
  const onFilter = () => {
    const f = filters();
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) q.set(k, form.elements[k].value.trim());
    history.replaceState(null, "", q.toString() ? `?${q}` : location.pathname);
    render();
  };
  form.addEventListener("input", onFilter);
  form.addEventListener("reset", () => setTimeout(onFilter, 0));
  form.addEventListener("submit", (e) => e.preventDefault());

  const matches = (item, f) =>
    (!f.change || String(item.change.number ?? item.change.id) === f.change) &&
    (!f.project || item.change.project.toLowerCase().includes(f.project)) &&
    (!f.owner || item.change.owner.toLowerCase().includes(f.owner));

  function duration(s) {
    if (s === null || s === undefined) return "?";
    s = Math.max(0, Math.round(s));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
    return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  }
  const stateClass = (s) =>
    s === "SUCCESS" ? "ok" : s === "running" ? "run" : s.startsWith("waiting") || s.startsWith("not run") || s === "SKIPPED" || s === "ABORTED" ? "muted" : "bad";

  function job(j, drift) {
    const running = j.state === "running";
    const elapsed = j.elapsed === null ? null : j.elapsed + (running ? drift : 0);
    const remaining = j.remaining === null ? null : Math.max(0, j.remaining - (running ? drift : 0));
    const pct = running && j.estimate ? Math.min(100, (100 * elapsed) / j.estimate) : j.remaining === 0 ? 100 : 0;
    const name = j.logUrl ? `<a href="${esc(j.logUrl)}">${esc(j.name)}</a>` : esc(j.name);
    const what = j.waiting
      ? `<span class="muted why">${esc(j.waiting)}</span>`
      : `<span class="${stateClass(j.state)}">${esc(j.state)}</span>`;
    const eta = running ? (remaining === null ? duration(elapsed) : `${duration(elapsed)} · ${duration(remaining)} left`) : j.elapsed !== null ? duration(j.elapsed) : "";
    return `<li class="job" data-job="${esc(j.name)}" data-state="${esc(j.state)}"><span class="job-name">${name}</span>${what}
<span class="bar" title="${esc(eta)}"><span class="fill ${stateClass(j.state)}" data-pct="${pct.toFixed(1)}"></span></span><span class="eta muted">${esc(eta)}</span></li>`;
  }

  function item(it, byId, drift) {
    const c = it.change;
    const label = `${c.number ?? c.id}${c.patchset ? `,${c.patchset}` : ""}`;
    // The change's own page says every pipeline it was in; Gerrit's page is one click further. A
    // branch tip (a timer's item) has no change number and no page.
    const gerrit = c.url ? `<a class="gerrit-link muted" href="${esc(c.url)}" title="the change in Gerrit">Gerrit</a>` : "";
    const link = Number.isInteger(c.number)
      ? `<a class="change-link" href="/changes/${c.number}">${esc(label)}</a>${gerrit ? ` ${gerrit}` : ""}`
      : c.url ? `<a href="${esc(c.url)}">${esc(label)}</a>` : esc(label);
    const aheadLabel = () => {
      const a = byId.get(it.ahead);
      return a ? esc(`${a.change.number ?? a.change.id}`) : "?";
    };
    // An item with no speculative state is not tested on anything: it only waits in line.
    const place = it.tested !== false
      ? `tested on ${it.ahead === null ? "the branch tip" : aheadLabel()}`
      : `waiting${it.ahead === null ? "" : ` behind ${aheadLabel()}`}${it.active ? "" : " · outside the window"}`;
    const badge = it.failing
      ? `<span class="badge bad" title="${esc(it.failingReason ?? "")}">failing: ${esc(it.failingReason ?? "")}</span>`
      : it.submitting
        ? '<span class="badge ok">merging</span>'
        : it.active
          ? '<span class="badge run">active</span>'
          : '<span class="badge muted" title="outside the active window">waiting</span>';
    const remaining = it.remaining === null || it.failing ? "" : `ETA ${duration(Math.max(0, it.remaining - drift))}`;
    return `<li class="item${it.branch ? " branch" : ""}${it.failing ? " failing" : ""}" data-depth="${Number(it.depth) || 0}" data-item="${it.id}" data-change="${esc(c.number ?? c.id)}">
<div class="item-head">${it.branch ? '<span class="fork" aria-hidden="true">↳</span>' : ""}<strong>${link}</strong> ${badge}
<span class="subject">${esc(c.subject)}</span></div>
<div class="item-meta muted">${esc(c.project)} · ${esc(c.owner)} · <span class="place">${place}</span>${it.behind.length ? ` · ${it.behind.length} behind` : ""} <span class="eta">${esc(remaining)}</span></div>
<ul class="jobs">${it.jobs.map((j) => job(j, drift)).join("")}</ul></li>`;
  }

  // An adaptive queue's mode and why (docs/strategy.md); `gatebox status` prints the same line.
  function strategy(s) {
    if (!s) return "";
    const mode = s.mode === "batch" ? `batch of ${s.batch}` : s.mode === "hedge" ? `one state per item, ${s.hedges} hedge${s.hedges === 1 ? "" : "s"}` : "one state per item";
    return `<p class="strategy muted" data-mode="${esc(s.mode)}">adaptive: ${esc(mode)} — ${esc(s.reason)}</p>`;
  }

  function pipeline(p, f, drift) {
    const filtering = Boolean(f.change || f.project || f.owner);
    const queues = p.queues
      .map((q) => {
        const byId = new Map(q.items.map((i) => [i.id, i]));
        const shown = q.items.filter((i) => matches(i, f));
        if (filtering && shown.length === 0) return "";
        const win = p.manager === "independent" ? "" : ` <span class="muted">window ${q.window || "∞"}</span>`;
        return `<div class="queue" data-queue="${esc(q.name)}"><h3>${esc(q.name)}${win}</h3>${strategy(q.strategy)}${
          shown.length ? `<ol class="tree">${shown.map((i) => item(i, byId, drift)).join("")}</ol>` : '<p class="muted">empty</p>'
        }</div>`;
      })
      .join("");
    const wide = p.manager === "independent" ? "side" : "main";
    return `<section class="card pipeline ${wide}" data-pipeline="${esc(p.name)}"><h2>${esc(p.name)} <span class="muted">${esc(p.manager)}</span></h2>${
      queues || '<p class="muted">nothing here</p>'
    }</section>`;
  }

  // A change filtered for that is in no queue: its page says why (a redirect would fight the typing).
  function nowhere(pipes, f) {
    if (!/^\d+$/.test(f.change)) return "";
    const found = pipes.some((p) => p.queues.some((q) => q.items.some((i) => String(i.change.number ?? i.change.id) === f.change)));
    if (found) return "";
    return `<p class="card notice" id="not-queued">Change ${esc(f.change)} is not in any queue — <a href="/changes/${esc(f.change)}">see why</a>.</p>`;
  }

  function render() {
    if (!data) return;
    const f = filters();
    const drift = (Date.now() - receivedAt) / 1000;
    const pipes = data.pipelines ?? [];
    const main = pipes.filter((p) => p.manager !== "independent");
    const side = pipes.filter((p) => p.manager === "independent");
    root.innerHTML = pipes.length === 0
      ? '<p class="muted">No pipelines configured.</p>'
      : `${nowhere(pipes, f)}<div class="col-main">${main.map((p) => pipeline(p, f, drift)).join("")}</div><div class="col-side">${side.map((p) => pipeline(p, f, drift)).join("")}</div>`;
    // Depths and progress come as data attributes (the CSP allows no style attribute); set them here.
    for (const el of root.querySelectorAll("[data-depth]")) el.style.setProperty("--depth", el.dataset.depth);
    for (const el of root.querySelectorAll("[data-pct]")) el.style.width = `${el.dataset.pct}%`;
  }

  const source = new EventSource("/api/events");
  source.addEventListener("status", (e) => {
    data = JSON.parse(e.data);
    receivedAt = Date.now();
    live.textContent = `live · ${data.running} running${data.capacity ? ` of ${data.capacity}` : ""}`;
    live.className = "ok";
    render();
  });
  source.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    live.className = "warn";
  });
  // Elapsed times and ETAs move between updates.
  setInterval(render, 1000);

  // The health banner (drawn by the server on every page) follows /healthz without a reload:
  // 200 or 503, both with {ok, problems}; anything else (gatebox restarting) leaves it as it is.
  async function refreshHealth() {
    let report;
    try {
      const res = await fetch("/healthz", { cache: "no-store" });
      report = await res.json();
    } catch {
      return;
    }
    if (!report || !Array.isArray(report.problems)) return;
    let banner = document.getElementById("health");
    if (report.problems.length === 0) {
      banner?.remove();
      return;
    }
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "health";
      banner.className = "health-banner";
      banner.setAttribute("role", "alert");
      document.querySelector("main").before(banner);
    }
    const title = document.createElement("strong");
    title.textContent = "gatebox cannot do its whole job:";
    const list = document.createElement("ul");
    for (const p of report.problems) {
      const li = document.createElement("li");
      li.dataset.check = String(p.check);
      const check = document.createElement("span");
      check.className = "health-check";
      check.textContent = String(p.check);
      li.append(check, `: ${p.message}`);
      list.append(li);
    }
    banner.replaceChildren(title, list);
  }
  setInterval(refreshHealth, 10_000);
})();
