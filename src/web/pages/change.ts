import { html } from "hono/html";
import type { Reason } from "../change-reasons.ts";
import type { ChangeJson, HistoryItem, LinkedBuild, LiveItem } from "../change-view.ts";
import { formatDuration } from "../charts.ts";
import { resultClass } from "./build.ts";

const when = (t: number | null) => (t === null ? "—" : new Date(t * 1000).toISOString().slice(0, 16).replace("T", " "));

/** An item's outcome in Zuul's words: its last buildset's result, else the report's, else its state. */
function outcome(i: HistoryItem): string {
  const set = i.buildsets.at(-1)?.result;
  if (set) return set;
  if (i.result === "1") return "SUCCESS";
  if (i.result === "-1") return "FAILURE";
  return i.result ?? i.state;
}

const outcomeClass = (text: string) => (text === "SUCCESS" ? "ok" : ["RESET", "DEQUEUED", "dequeued", "merged"].includes(text) ? "muted" : /^[a-z]/.test(text) ? "run" : "bad");

function reasonItem(r: Reason, base: { project: string | null }) {
  const dep = r.kind === "waiting-on-dependency" ? html` <a href="/changes/${encodeURIComponent(r.dependency)}">change ${r.dependency}</a>` : "";
  const message = r.kind === "merge-conflict" && r.message ? html`<pre class="reason-message">${r.message}</pre>` : "";
  const where = "pipeline" in r ? r.pipeline : "";
  return html`<li class="reason" data-reason="${r.kind}" data-pipeline="${where}" data-project="${base.project ?? ""}">${r.text}${dep}${message}</li>`;
}

function buildLink(b: LinkedBuild) {
  const took = b.duration !== null ? ` ${formatDuration(b.duration)}` : "";
  return html`<a class="${resultClass(b.result, b.state)}" href="${b.url}" title="${b.result ?? b.state}${took}">${b.job}</a> <span class="muted">${b.result ?? b.state}${took}</span> `;
}

function liveRow(l: LiveItem, number: number) {
  const it = l.item;
  const state = it.failing ? `failing: ${it.failingReason ?? ""}` : it.submitting ? "merging" : it.active ? "active" : "waiting";
  return html`<tr class="live-row" data-pipeline="${l.pipeline}" data-change="${number}" data-project="${it.change.project}" data-queue="${l.queue}">
<td>${l.pipeline}</td><td>${l.queue}</td><td>${it.change.patchset ?? "—"}</td><td class="${it.failing ? "bad" : "run"}">${state}</td>
<td>${it.jobs.map((j) => (j.logUrl ? html`<a href="${j.logUrl}">${j.name}</a> <span class="muted">${j.waiting ?? j.state}</span> ` : html`${j.name} <span class="muted">${j.waiting ?? j.state}</span> `))}</td></tr>`;
}

function historyRow(i: HistoryItem, number: number) {
  const text = outcome(i);
  const builds = i.buildsets.flatMap((s) => s.builds);
  return html`<tr class="item-row" data-pipeline="${i.pipeline}" data-change="${number}" data-project="${i.project}" data-item="${i.id}">
<td>${i.pipeline}</td><td>${i.patchset ?? "—"}</td><td>${when(i.enqueuedAt)}</td><td class="${outcomeClass(text)}">${text}</td>
<td>${builds.length ? builds.map(buildLink) : html`<span class="muted">no builds</span>`}${i.reason ? html`<div class="muted item-reason">${i.reason.split("\n")[0]}</div>` : ""}</td></tr>`;
}

/** The pipelines the change is or was in, one row each (admin.js decorates these rows by their data attributes). */
function pipelineRows(c: ChangeJson) {
  const names = [...new Set([...c.live.map((l) => l.pipeline), ...c.items.map((i) => i.pipeline)])];
  if (names.length === 0) return html`<p class="muted" id="no-pipelines">It has not been in any pipeline that gatebox recorded.</p>`;
  return html`<div class="scroll"><table id="pipelines"><thead><tr><th>Pipeline</th><th>Now</th><th>Last result</th><th>Times in it</th></tr></thead>
<tbody>${names.map((name) => {
    const live = c.live.find((l) => l.pipeline === name);
    const items = c.items.filter((i) => i.pipeline === name);
    const project = live?.item.change.project ?? items[0]?.project ?? c.project ?? "";
    const last = items[0] ? outcome(items[0]) : "—";
    return html`<tr class="pipeline-row" data-pipeline="${name}" data-change="${c.number}" data-project="${project}"${live ? html` data-queue="${live.queue}"` : ""}>
<td>${name}</td><td class="${live ? "run" : "muted"}">${live ? "in the queue" : "not in it"}</td><td class="${outcomeClass(last)}">${last}</td><td>${items.length}</td></tr>`;
  })}</tbody></table></div>`;
}

/** /changes/:number: what gatebox knows of one change, and why it is in no queue. */
export function changePage(c: ChangeJson) {
  const label = `${c.number}${c.patchset ? `,${c.patchset}` : ""}`;
  return html`<section class="card change" id="change" data-change="${c.number}" data-project="${c.project ?? ""}" data-source="${c.source}">
<h2>Change ${c.url ? html`<a href="${c.url}">${label}</a>` : label} <span class="badge ${c.inQueue ? "run" : "muted"}" id="change-state">${c.inQueue ? "in a queue" : "not in any queue"}</span></h2>
<p class="subject">${c.subject}</p>
<dl class="facts">
<dt>Project</dt><dd>${c.project ?? "—"}${c.branch ? html` <span class="muted">${c.branch}</span>` : ""}</dd>
<dt>Owner</dt><dd>${c.owner || "—"}</dd>
<dt>Status</dt><dd id="change-status">${c.status ?? "—"}${c.wip ? " · work in progress" : ""}</dd>
<dt>Builds</dt><dd><a href="/builds?change=${c.number}">every build</a> · <a href="/history?change=${c.number}">history</a>${c.inQueue ? html` · <a href="/?change=${c.number}">on the status page</a>` : ""}</dd>
</dl>
</section>
${
  c.reasons.length
    ? html`<section class="card"><h2>${c.inQueue ? "Why not in the other pipelines" : "Why it is in no queue"}</h2><ul class="reasons" id="reasons">${c.reasons.map((r) => reasonItem(r, c))}</ul></section>`
    : ""
}
<section class="card"><h2>Pipelines</h2>${pipelineRows(c)}</section>
${
  c.live.length
    ? html`<section class="card"><h2>In the queue now</h2><div class="scroll"><table id="queue-now"><thead><tr><th>Pipeline</th><th>Queue</th><th>Patchset</th><th>State</th><th>Jobs</th></tr></thead>
<tbody>${c.live.map((l) => liveRow(l, c.number))}</tbody></table></div></section>`
    : ""
}
${
  c.items.length
    ? html`<section class="card"><h2>History</h2><div class="scroll"><table id="history"><thead><tr><th>Pipeline</th><th>Patchset</th><th>Entered</th><th>Result</th><th>Builds</th></tr></thead>
<tbody>${c.items.map((i) => historyRow(i, c.number))}</tbody></table></div></section>`
    : ""
}`;
}
