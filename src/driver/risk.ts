import type { GateboxConfig, JobConfig, PipelineConfig } from "../config/model.ts";
import type { BuildOutcome } from "../executor/executor.ts";
import type { Change } from "../scheduler/index.ts";
import { isChangeMeta, type Votes } from "../sources/source.ts";

/**
 * What the driver reads of the store's history (implemented in src/store/flaky-queries.ts, wired
 * in src/server/gate.ts): a job's recent record and a change's check result on a patchset.
 */
export interface JobHistory {
  /** Over the job's latest decided builds: how many, and the shares that failed and were flaky. */
  jobRecord(job: string): { builds: number; failureRate: number; flakyRate: number };
  /** The change's latest result on this patchset in one of `pipelines`: 1, -1, or null (none). */
  checkResult(changeNumber: number, patchset: number, pipelines: readonly string[]): 1 | -1 | null;
}

/** A change whose own check failed on this patchset: most likely it fails the gate too. */
export const RISK_CHECK_FAILED = 0.9;
/** A passed check leaves this share of the jobs' failure rate (what the check did not cover). */
export const CHECK_PASSED_FACTOR = 0.25;
/** A job's failure rate counts once it has this many decided builds. */
export const MIN_JOB_BUILDS = 10;

/**
 * The adaptive strategy's `Change.risk` for a change entering `pipeline` (docs/strategy.md "In
 * serve"): from its jobs' recent failure rates (the chance that one of them fails), lowered by a
 * passed check and raised to RISK_CHECK_FAILED by a failed one (the store's check result on this
 * patchset, else a negative Verified the source shows). Undefined when nothing is known: the
 * queue's measured rate stands. Only adaptive pipelines get one; risk never decides a result.
 */
export function changeRisk(
  config: GateboxConfig,
  pipeline: PipelineConfig,
  change: Change,
  history: JobHistory | undefined,
  votes: Votes | null,
): number | undefined {
  if (pipeline.strategy !== "adaptive" || pipeline.manager !== "dependent") return undefined;
  const jobs = config.projects.find((p) => p.name === change.project)?.pipelines.get(pipeline.name)?.jobs ?? [];
  let pass = 1;
  let measured = false;
  for (const name of jobs) {
    const job = config.jobs.get(name);
    if (!job?.voting || !history) continue;
    const record = history.jobRecord(name);
    if (record.builds < MIN_JOB_BUILDS) continue;
    measured = true;
    pass *= 1 - record.failureRate;
  }
  const fromJobs = measured ? 1 - pass : undefined;
  const check = checkOf(config, pipeline, change, history, votes);
  if (check === -1) return Math.max(RISK_CHECK_FAILED, fromJobs ?? 0);
  if (check === 1) return fromJobs === undefined ? undefined : fromJobs * CHECK_PASSED_FACTOR;
  return fromJobs;
}

/** The pre-merge pipelines whose result speaks for a change: independent ones that are not post-review. */
export function checkPipelines(config: GateboxConfig, except: string): string[] {
  return config.pipelines.filter((p) => p.manager === "independent" && !p.postReview && p.name !== except).map((p) => p.name);
}

function checkOf(config: GateboxConfig, pipeline: PipelineConfig, change: Change, history: JobHistory | undefined, votes: Votes | null): 1 | -1 | null {
  const meta = isChangeMeta(change.meta) ? change.meta : null;
  const stored = meta && history ? history.checkResult(meta.number, meta.patchset, checkPipelines(config, pipeline.name)) : null;
  if (stored !== null) return stored;
  // Gatebox has not checked this patchset itself (e.g. its store is new): the source's votes say.
  const verified = votes?.["Verified"] ?? [];
  if (verified.some((v) => v < 0)) return -1;
  return null;
}

/**
 * Whether a build's failed run is run again on the same state before the scheduler hears of it
 * (docs/jobs.md `retry-flaky`): a voting job's FAILURE or TIMED_OUT, while it has retries left and,
 * with `retry-flaky-above`, while its measured flaky rate is at least that (or not yet measured).
 */
export function retriesFlaky(job: JobConfig, outcome: BuildOutcome, retried: number, history: JobHistory | undefined): boolean {
  if (outcome.result !== "FAILURE" && outcome.result !== "TIMED_OUT") return false;
  if (!job.voting || retried >= job.retryFlaky) return false;
  if (job.retryFlakyAbove === undefined || !history) return true;
  const record = history.jobRecord(job.name);
  return record.builds < MIN_JOB_BUILDS || record.flakyRate >= job.retryFlakyAbove;
}
