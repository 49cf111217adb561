import { html } from "hono/html";

/** The status page's frame; web/status.js fills it from /api/status. */
export function statusShell() {
  return html`<section id="status" class="card"><p class="muted">Loading the queues…</p></section>
<script src="/assets/status.js" defer></script>`;
}
