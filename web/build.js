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

  const atBottom = () => window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
  function append(htmlText) {
    if (!htmlText) return;
    const follow = atBottom();
    pre.insertAdjacentHTML("beforeend", htmlText);
    if (follow) window.scrollTo(0, document.body.scrollHeight);
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
    pre.textContent = "";
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
