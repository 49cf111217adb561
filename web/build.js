// The build page: streams the console live from /api/builds/:id/console (server-sent events)
// until it completes, rendering ANSI colours with AnsiRenderer (/assets/ansi.js, the server's own
// converter); and replays the asciicast recording at 1×, 2× or 10× with a small player.
(() => {
  const card = document.getElementById("build");
  const pre = document.getElementById("console");
  const state = document.getElementById("console-state");
  const stopButton = document.getElementById("replay-stop");
  const id = card.dataset.build;
  const base = `/api/builds/${encodeURIComponent(id)}`;
  let renderer = new window.AnsiRenderer();
  let source = null;
  let replay = null;

  // Output is drawn in batches: whatever arrived within FLUSH_MS goes into the page at once, so a
  // console of many small events costs one layout per batch, not one per event. It is kept in
  // parts of about PART_LINES whole lines, each laid out only while on screen (content-visibility
  // in style.css): a console of megabytes costs the layout of what is in view.
  const FLUSH_MS = 25;
  const PART_LINES = 400;
  let queued = [];
  let timer = null;
  let partLines = 0;
  let fresh = true;
  const atBottom = () => window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
  function lineCount(text) {
    let n = 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
    return n;
  }
  function fragment(htmlText) {
    const template = document.createElement("template");
    template.innerHTML = htmlText;
    // Exact colours come as data attributes (the CSP allows no style attribute); set them here.
    if (!htmlText.includes(" data-")) return template.content;
    for (const el of template.content.querySelectorAll("[data-fg], [data-bg]")) {
      if (el.dataset.fg) el.style.color = el.dataset.fg;
      if (el.dataset.bg) el.style.backgroundColor = el.dataset.bg;
    }
    return template.content;
  }
  function flush() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (queued.length === 0) return;
    const follow = atBottom();
    const groups = [];
    for (const q of queued) {
      if (q.fresh || groups.length === 0) groups.push({ fresh: q.fresh, html: [] });
      groups.at(-1).html.push(q.html);
    }
    queued = [];
    for (const g of groups) {
      if (g.fresh || !pre.lastElementChild) {
        const part = document.createElement("span");
        part.className = "part";
        pre.append(part);
      }
      pre.lastElementChild.append(fragment(g.html.join("")));
    }
    if (follow) window.scrollTo(0, document.body.scrollHeight);
  }
  // The renderer's spans never nest and close in the same output, so the HTML can be cut after
  // its last line feed, closing the span open there and opening it again after the cut.
  function splitAfterLastLine(htmlText) {
    const k = htmlText.lastIndexOf("\n");
    if (k < 0) return null;
    const open = htmlText.lastIndexOf("<span", k);
    if (open <= htmlText.lastIndexOf("</span>", k)) return [htmlText.slice(0, k + 1), htmlText.slice(k + 1)];
    const tag = htmlText.slice(open, htmlText.indexOf(">", open) + 1);
    return [`${htmlText.slice(0, k + 1)}</span>`, tag + htmlText.slice(k + 1)];
  }
  function enqueue(htmlText) {
    if (!htmlText || /^<span[^>]*><\/span>$/.test(htmlText)) return;
    queued.push({ html: htmlText, fresh });
    fresh = false;
  }
  function append(htmlText) {
    if (!htmlText) return;
    partLines += lineCount(htmlText);
    let rest = htmlText;
    if (partLines >= PART_LINES) {
      // A part ends after a whole line, so no line is split between two.
      const cut = splitAfterLastLine(htmlText);
      if (cut) {
        enqueue(cut[0]);
        fresh = true;
        partLines = 0;
        rest = cut[1];
      }
    }
    enqueue(rest);
    timer ??= setTimeout(flush, FLUSH_MS);
  }
  function clear() {
    queued = [];
    flush();
    pre.textContent = "";
    fresh = true;
    partLines = 0;
  }
  function show(kind, data) {
    if (kind === "i") append(window.AnsiRenderer.toHtml(`\x1b[2m[gatebox] ${data}\x1b[0m\n`));
    else append(renderer.push(data));
  }

  function stream() {
    source = new EventSource(`${base}/console`);
    source.addEventListener("open", () => {
      if (!replay) state.textContent = "live";
    });
    source.addEventListener("console", (e) => {
      const [, kind, data] = JSON.parse(e.data);
      show(kind, data);
    });
    source.addEventListener("end", (e) => {
      source.close();
      source = null;
      append(renderer.end());
      flush();
      state.textContent = e.data ? `complete: ${e.data}` : "complete";
      state.className = e.data === "SUCCESS" ? "ok" : e.data ? "bad" : "muted";
      const badge = document.getElementById("build-result");
      if (badge && e.data) {
        badge.textContent = e.data;
        badge.className = `badge ${e.data === "SUCCESS" ? "ok" : "bad"}`;
      }
    });
  }

  // The player: fetches the recording and writes each event at its time divided by the speed.
  // Long idle gaps are shortened to 2 s (as asciinema's idle_time_limit) so a replay never stalls.
  async function play(speed) {
    stop();
    if (source) {
      source.close();
      source = null;
    }
    const text = await (await fetch(`${base}/cast`)).text();
    const lines = text.split("\n").filter((l) => l.trim());
    lines.shift();
    const events = lines.map((l) => JSON.parse(l)).filter((ev) => ev[1] === "o");
    clear();
    renderer = new window.AnsiRenderer();
    state.textContent = `replaying ${speed}×`;
    state.className = "run";
    stopButton.hidden = false;
    let clock = 0;
    let prev = 0;
    const timers = [];
    for (const [t, , data] of events) {
      clock += Math.min(2, Math.max(0, t - prev)) / speed;
      prev = t;
      timers.push(setTimeout(() => append(renderer.push(data)), clock * 1000));
    }
    timers.push(
      setTimeout(() => {
        append(renderer.end());
        flush();
        state.textContent = "replay done";
        state.className = "muted";
        stopButton.hidden = true;
        replay = null;
      }, clock * 1000 + 10),
    );
    replay = timers;
  }
  function stop() {
    if (replay) for (const t of replay) clearTimeout(t);
    replay = null;
    stopButton.hidden = true;
  }
  for (const b of document.querySelectorAll("[data-speed]")) b.addEventListener("click", () => play(Number(b.dataset.speed)));
  stopButton.addEventListener("click", () => {
    stop();
    state.textContent = "replay stopped";
  });

  stream();
})();
