import { html, raw } from "hono/html";
import { barChart, formatDuration, lineChart } from "../charts.ts";
import type { JobHistory, listBuildsets, QueueTime } from "../../store/history-queries.ts";
import { resultClass } from "./build.ts";

export interface HistoryPageFilter {
  project?: string | undefined;
  pipeline?: string | undefined;
  change?: number | undefined;
  days: number;
}

const day = (t: number) => new Date(t * 1000).toISOString().slice(5, 10);

/** /history: per-job median duration and failure rate by day, time in queue per change, recent buildsets. */
export function historyPage(
  f: HistoryPageFilter,
  jobs: JobHistory[],
  times: QueueTime[],
  sets: ReturnType<typeof listBuildsets>,
) {
  const durations = lineChart({
    title: "Median duration per job (by day)",
    series: jobs.map((j) => ({ name: j.job, points: j.days.filter((d) => d.median !== null).map((d) => ({ x: d.day, y: d.median! })) })),
    xFormat: day,
    yFormat: formatDuration,
  });
  const failures = lineChart({
    title: "Failure rate per job (by day)",
    series: jobs.map((j) => ({ name: j.job, points: j.days.map((d) => ({ x: d.day, y: d.failureRate })) })),
    xFormat: day,
    yFormat: (y) => `${Math.round(y * 100)}%`,
    yMax: 1,
  });
  const inQueue = barChart({
    title: "Time in queue per change (enqueue → report, latest 40)",
    bars: times
      .slice(0, 40)
      .reverse()
      .map((t) => ({ label: String(t.change ?? t.itemId), value: t.seconds, bad: t.result !== "1" && t.result !== "SUCCESS" })),
    yFormat: formatDuration,
  });
  return html`<form class="filters card" method="get" action="/history">
<label>Project <input name="project" value="${f.project ?? ""}"></label>
<label>Pipeline <input name="pipeline" value="${f.pipeline ?? ""}"></label>
<label>Change <input name="change" inputmode="numeric" value="${f.change ?? ""}"></label>
<label>Days <input name="days" inputmode="numeric" value="${f.days}" size="4"></label>
<button>Show</button>
</form>
<section class="card charts">
<div class="chart-box" id="chart-durations">${raw(durations)}</div>
<div class="chart-box" id="chart-failures">${raw(failures)}</div>
<div class="chart-box" id="chart-queue">${raw(inQueue)}</div>
</section>
<section class="card">
<h2>Jobs</h2>
<div class="scroll"><table id="jobs"><thead><tr><th>Job</th><th>Builds</th><th>Median</th><th>Failure rate</th></tr></thead>
<tbody>${jobs.map(
    (j) => html`<tr><td><a href="/builds?job=${encodeURIComponent(j.job)}">${j.job}</a></td><td>${j.builds}</td>
<td>${j.median === null ? "—" : formatDuration(j.median)}</td><td>${Math.round(j.failureRate * 100)}%</td></tr>`,
  )}</tbody></table></div>
</section>
<section class="card">
<h2>Buildsets</h2>
<div class="scroll"><table id="buildsets"><thead><tr><th>Buildset</th><th>Pipeline</th><th>Tested changes</th><th>Builds</th><th>Created</th></tr></thead>
<tbody>${sets.map(
    (s) => html`<tr><td>${s.id}</td><td>${s.pipeline}</td><td>${s.changes.join(" + ")}</td>
<td>${s.builds.map((b) => html`<a class="${resultClass(b.result, b.state)}" href="/builds/${encodeURIComponent(b.id)}">${b.job}</a> `)}</td>
<td>${new Date(s.createdAt * 1000).toISOString().slice(0, 16).replace("T", " ")}</td></tr>`,
  )}</tbody></table></div>
</section>`;
}
