// Fills #status from /api/status and refreshes it. (The full tree view comes with the UI issue.)
(() => {
  const root = document.getElementById("status");
  const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  async function refresh() {
    try {
      const res = await fetch("/api/status");
      const data = await res.json();
      const pipelines = Array.isArray(data.pipelines) ? data.pipelines : [];
      root.innerHTML = pipelines.length === 0
        ? '<p class="muted">No pipelines configured.</p>'
        : pipelines.map((p) => `<h2>${esc(p.name)}</h2><pre>${esc(JSON.stringify(p.queues ?? [], null, 2))}</pre>`).join("");
    } catch (err) {
      root.innerHTML = `<p class="bad">Cannot read /api/status: ${esc(err)}</p>`;
    }
  }
  refresh();
  setInterval(refresh, 2000);
})();
