import { and, desc, eq, inArray, isNotNull } from "drizzle-orm";
import type { Db } from "./db.ts";
import { builds, queueItems } from "./schema.ts";

/**
 * What the store knows of a job's and a change's record, for the driver: a job's recent failure
 * and flaky rates (the adaptive strategy's risk, `retry-flaky-above`, the build page) and a
 * change's check result on a patchset.
 */

/** How many of a job's latest decided builds its rates are measured over. */
export const JOB_WINDOW = 100;

/** Results that say something about the code: the others (ours, cancelled) are left out of rates. */
const DECIDED = ["SUCCESS", "FAILURE", "TIMED_OUT"];

export interface JobRecord {
  job: string;
  /** Decided builds in the window (at most JOB_WINDOW). */
  builds: number;
  /** Share of them that failed (FAILURE, TIMED_OUT), after any flaky retry. */
  failureRate: number;
  /** Share of them that failed, then passed on a retry on the same state. */
  flakyRate: number;
  /** Flaky builds in the window. */
  flaky: number;
}

/** A job's record over its latest JOB_WINDOW decided builds (all pipelines); zeros when it has none. */
export function jobRecord(db: Db, job: string, window = JOB_WINDOW): JobRecord {
  const rows = db
    .select({ result: builds.result, flaky: builds.flaky })
    .from(builds)
    .where(and(eq(builds.job, job), inArray(builds.result, DECIDED), isNotNull(builds.finishedAt)))
    .orderBy(desc(builds.finishedAt))
    .limit(window)
    .all();
  const failed = rows.filter((r) => r.result !== "SUCCESS").length;
  const flaky = rows.filter((r) => r.flaky).length;
  const n = rows.length;
  return { job, builds: n, failureRate: n === 0 ? 0 : failed / n, flakyRate: n === 0 ? 0 : flaky / n, flaky };
}

/**
 * The change's latest reported result on this patchset in one of `pipelines` (the pre-merge
 * independent ones: check): 1 passed, -1 failed, null when none was reported there.
 */
export function checkResult(db: Db, changeNumber: number, patchset: number, pipelines: readonly string[]): 1 | -1 | null {
  if (pipelines.length === 0) return null;
  const row = db
    .select({ result: queueItems.result })
    .from(queueItems)
    .where(
      and(
        eq(queueItems.changeNumber, changeNumber),
        eq(queueItems.patchset, patchset),
        inArray(queueItems.pipeline, [...pipelines]),
        inArray(queueItems.result, ["1", "-1"]),
      ),
    )
    .orderBy(desc(queueItems.reportedAt))
    .limit(1)
    .get();
  return row?.result === "1" ? 1 : row?.result === "-1" ? -1 : null;
}
