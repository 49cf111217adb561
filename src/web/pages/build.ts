import { html } from "hono/html";
import { sizeText } from "../../config/units.ts";
import type { Artifact } from "../artifacts.ts";
import { formatDuration } from "../charts.ts";
import type { getBuild } from "../../store/queries.ts";

type Found = NonNullable<ReturnType<typeof getBuild>>;

const when = (t: number | null) => (t === null ? "—" : new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z");

/** A Docker container id is 64 hex digits, shown as its first 12 (as `docker ps` does); a local build's process id as it is. */
const shortId = (id: string) => (/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id);

export function resultClass(result: string | null, state?: string): string {
  if (result === "SUCCESS") return "ok";
  if (result === null) return state === "running" ? "run" : "muted";
  if (result === "ABORTED" || result === "SKIPPED") return "muted";
  return "bad";
}

/** /builds/:id: what ran, on which speculative state, and its console (web/build.js streams it). */
/** What the job left in $GATEBOX_ARTIFACTS (docs/jobs.md), each file linked with its size. */
function artifactList(artifacts: Artifact[]) {
  if (artifacts.length === 0) return "";
  return html`<h3>Artifacts</h3>
<ul class="artifacts" id="artifacts">${artifacts.map((a) => html`<li><a href="${a.url}">${a.path}</a> <span class="muted">${sizeText(a.size)}</span></li>`)}</ul>`;
}

/** The job's record over its latest builds (src/store/flaky-queries.ts `jobRecord`). */
export interface JobFlakyRecord {
  builds: number;
  flaky: number;
  flakyRate: number;
}

/** retry-flaky (docs/jobs.md): whether this build was run again, and how flaky its job has been. */
function flakyFacts(b: Found["build"], record: JobFlakyRecord | undefined) {
  const mark =
    b.flakyRetries === 0
      ? ""
      : b.flaky
        ? html`<dt>Retried</dt><dd class="warn" id="build-flaky">flaky: failed, then passed on retry</dd>`
        : html`<dt>Retried</dt><dd id="build-retried">${b.flakyRetries} time${b.flakyRetries === 1 ? "" : "s"} on the same state${b.result === "SUCCESS" ? "" : ", and failed again"}</dd>`;
  const rate =
    record && record.builds > 0
      ? html`<dt>Flaky</dt><dd id="job-flaky-rate">${b.job}: flaky rate ${(record.flakyRate * 100).toFixed(0)}% (${record.flaky} of its last ${record.builds} builds)</dd>`
      : "";
  return html`${mark}${rate}`;
}

export function buildPage(found: Found, live: boolean, artifacts: Artifact[] = [], record?: JobFlakyRecord) {
  const b = found.build;
  const id = encodeURIComponent(b.id);
  const duration = b.startedAt !== null && b.finishedAt !== null ? formatDuration(b.finishedAt - b.startedAt) : live ? "running" : "—";
  const changeLink = (c: { id: string; number: number | null; patchset: number | null; subject: string; url: string; project: string }) =>
    html`<li>${c.url ? html`<a href="${c.url}">${c.number ?? c.id}${c.patchset ? `,${c.patchset}` : ""}</a>` : html`${c.number ?? c.id}`} <span class="muted">${c.project}</span> ${c.subject}</li>`;
  return html`<section class="card build" id="build" data-build="${b.id}">
<h2>${b.job} <span class="badge ${resultClass(b.result, b.state)}" id="build-result">${b.result ?? b.state}</span></h2>
<dl class="facts">
<dt>Build</dt><dd>${b.id}${b.attempt > 1 ? ` (attempt ${b.attempt})` : ""}</dd>
<dt>Pipeline</dt><dd>${b.pipeline}</dd>
<dt>Project</dt><dd>${b.project}</dd>
<dt>Change</dt><dd>${b.changeNumber === null ? "—" : html`<a href="/changes/${b.changeNumber}" id="build-change">${b.changeNumber}</a> · <a href="/builds?change=${b.changeNumber}">its builds</a>`}</dd>
${b.executor ? html`<dt>Executor</dt><dd id="build-executor">${b.executor}</dd>` : ""}
${b.containerId ? html`<dt>${/^\d+$/.test(b.containerId) ? "Process" : "Container"}</dt><dd id="build-container"><code title="${b.containerId}">${shortId(b.containerId)}</code></dd>` : ""}
<dt>Started</dt><dd>${when(b.startedAt)}</dd>
<dt>Duration</dt><dd>${duration}</dd>
<dt>Voting</dt><dd>${b.voting ? "yes" : "no"}</dd>
${flakyFacts(b, record)}
</dl>
<h3>Tested on</h3>
${
  found.ahead.length === 0
    ? html`<p class="muted">The branch tip (no changes ahead).</p>`
    : html`<ol class="state">${found.ahead.map(changeLink)}</ol>`
}
${found.change ? html`<p>then its own change:</p><ul class="state">${changeLink(found.change)}</ul>` : ""}
${artifactList(artifacts)}
<p class="links"><a href="/api/builds/${id}/log">Raw log</a> · <a href="/api/builds/${id}/cast" download>Recording (asciicast)</a></p>
</section>
<section class="card">
<div class="console-bar"><h3>Console</h3><span id="console-state" class="muted">${live ? "live" : "loading"}</span>
<span class="player">Replay <button type="button" data-speed="1">1×</button><button type="button" data-speed="2">2×</button><button type="button" data-speed="10">10×</button><button type="button" id="replay-stop" hidden>Stop</button></span></div>
<pre id="console" class="console" aria-live="polite"></pre>
</section>
<script src="/assets/ansi.js"></script>
<script src="/assets/build.js" defer></script>`;
}
