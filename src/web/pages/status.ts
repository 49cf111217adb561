import { html } from "hono/html";

/** The status page's frame; web/status.js fills it from /api/events (live) and keeps the filters in the URL. */
export function statusShell() {
  return html`<form id="filters" class="filters" role="search">
<label>Change <input name="change" inputmode="numeric" autocomplete="off"></label>
<label>Project <input name="project" autocomplete="off"></label>
<label>Owner <input name="owner" autocomplete="off"></label>
<button type="reset">Clear</button>
<span id="live" class="muted">connecting…</span>
</form>
<div id="status" class="pipelines"><p class="muted">Loading the queues…</p></div>
<script src="/assets/status.js" defer></script>`;
}
