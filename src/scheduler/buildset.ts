import type { PipelineJob } from "./layout.ts";
import { type Buildset, type JobRun, TERMINAL } from "./state.ts";
import type { JobReport } from "./types.ts";

/** Pure job-graph logic over one buildset: what may start, what is skipped, done, failing. */

export type FailKind = "vote" | "conflict" | "error";

export function newRuns(jobs: readonly PipelineJob[]): JobRun[] {
  return jobs.map((j) => ({ name: j.name, status: "waiting", buildId: null, startedAt: null, endedAt: null }));
}

/** Why the item fails, or null: a voting FAILURE/TIMED_OUT beats an ERROR (the change's fault is known). */
export function failKind(bs: Buildset, jobs: readonly PipelineJob[]): FailKind | null {
  if (bs.merge === "conflict") return "conflict";
  if (bs.merge === "error") return "error";
  let error = false;
  for (let i = 0; i < bs.jobs.length; i++) {
    const run = bs.jobs[i]!;
    if (!jobs[i]?.voting) continue;
    if (run.status === "FAILURE" || run.status === "TIMED_OUT") return "vote";
    if (run.status === "ERROR" || run.status === "RETRY_LIMIT") error = true;
  }
  return error ? "error" : null;
}

/** Done when the merge failed, or it succeeded and every job reached a terminal status. */
export function isDone(bs: Buildset): boolean {
  if (bs.merge === "conflict" || bs.merge === "error") return true;
  if (bs.merge !== "done") return false;
  for (const run of bs.jobs) if (!TERMINAL.has(run.status)) return false;
  return true;
}

/** "ready": every dependency succeeded; "blocked": one is unfinished; "skip": one ended otherwise. */
export function readiness(bs: Buildset, jobs: readonly PipelineJob[], i: number): "ready" | "blocked" | "skip" {
  let blocked = false;
  for (const d of jobs[i]?.deps ?? []) {
    const s = bs.jobs[d]?.status;
    if (s === "SUCCESS") continue;
    if (s === undefined || !TERMINAL.has(s)) blocked = true;
    else return "skip";
  }
  return blocked ? "blocked" : "ready";
}

/** Marks SKIPPED every waiting job whose dependency ended other than SUCCESS, transitively. */
export function propagateSkips(bs: Buildset, jobs: readonly PipelineJob[]): void {
  let again = true;
  while (again) {
    again = false;
    for (let i = 0; i < bs.jobs.length; i++) {
      const run = bs.jobs[i]!;
      if (run.status === "waiting" && readiness(bs, jobs, i) === "skip") {
        run.status = "SKIPPED";
        again = true;
      }
    }
  }
}

export function jobReports(bs: Buildset | null, jobs: readonly PipelineJob[]): JobReport[] {
  if (!bs) return [];
  return bs.jobs.map((run, i) => ({
    job: run.name,
    voting: jobs[i]?.voting ?? true,
    status: run.status,
    buildId: run.buildId,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
  }));
}
