import { html } from "hono/html";
import { formatDuration } from "../charts.ts";
import type { BuildRow } from "../../store/queries.ts";
import { resultClass } from "./build.ts";

export interface BuildsPageFilter {
  project?: string | undefined;
  pipeline?: string | undefined;
  job?: string | undefined;
  result?: string | undefined;
  change?: number | undefined;
  limit: number;
  offset: number;
}

function query(f: BuildsPageFilter, offset: number): string {
  const p = new URLSearchParams();
  for (const k of ["project", "pipeline", "job", "result", "change"] as const) if (f[k] !== undefined) p.set(k, String(f[k]));
  if (offset > 0) p.set("offset", String(offset));
  return p.toString();
}

/** /builds: every build, newest first, filtered and paged by the query string (bookmarkable). */
export function buildsPage(f: BuildsPageFilter, total: number, rows: BuildRow[]) {
  const prev = f.offset > 0 ? Math.max(0, f.offset - f.limit) : null;
  const next = f.offset + rows.length < total ? f.offset + f.limit : null;
  return html`<form class="filters card" method="get" action="/builds">
<label>Project <input name="project" value="${f.project ?? ""}"></label>
<label>Pipeline <input name="pipeline" value="${f.pipeline ?? ""}"></label>
<label>Job <input name="job" value="${f.job ?? ""}"></label>
<label>Change <input name="change" inputmode="numeric" value="${f.change ?? ""}"></label>
<label>Result <select name="result">${["", "SUCCESS", "FAILURE", "TIMED_OUT", "ABORTED", "RETRY_LIMIT", "SKIPPED", "ERROR"].map(
    (r) => html`<option value="${r}"${r === (f.result ?? "") ? " selected" : ""}>${r || "any"}</option>`,
  )}</select></label>
<button>Filter</button>
</form>
<section class="card">
<p class="muted">${total} build${total === 1 ? "" : "s"}${total > 0 ? `, ${f.offset + 1}–${f.offset + rows.length} shown` : ""}</p>
<div class="scroll"><table id="builds">
<thead><tr><th>Build</th><th>Job</th><th>Project</th><th>Change</th><th>Pipeline</th><th>Result</th><th>Duration</th><th>Started</th></tr></thead>
<tbody>${rows.map(
    (b) => html`<tr><td><a href="/builds/${encodeURIComponent(b.id)}">${b.id}</a></td><td>${b.job}</td><td>${b.project}</td>
<td>${b.changeNumber === null ? "—" : html`<a href="/changes/${b.changeNumber}">${b.changeNumber}</a>`}</td><td>${b.pipeline}</td><td class="${resultClass(b.result, b.state)}">${b.result ?? b.state}</td>
<td>${b.startedAt !== null && b.finishedAt !== null ? formatDuration(b.finishedAt - b.startedAt) : "—"}</td>
<td>${b.startedAt === null ? "—" : new Date(b.startedAt * 1000).toISOString().slice(0, 16).replace("T", " ")}</td></tr>`,
  )}</tbody></table></div>
<p class="pager">${prev !== null ? html`<a href="/builds?${query(f, prev)}" rel="prev">← newer</a>` : ""} ${
    next !== null ? html`<a href="/builds?${query(f, next)}" rel="next">older →</a>` : ""
  }</p>
</section>`;
}
