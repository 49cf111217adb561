import type { PipelineConfig } from "../config/model.ts";
import type { Change, Command } from "../scheduler/types.ts";

export type ReportCommand = Extract<Command, { type: "report" }>;

/** A job's line in a report, with its log link. */
export interface ReportedJob {
  job: string;
  voting: boolean;
  result: string;
  /** Seconds, when it ran. */
  duration: number | null;
  url: string | null;
}

/**
 * Where results go (the Gerrit reporter in production; a recorder in tests).
 *
 * Contract: every method may be retried after a crash (the driver re-runs reports it had not
 * finished), so implementations re-read the change and must not double-apply what already
 * happened: `submit` on a change that is already merged answers `{ ok: true }`. Errors thrown are
 * infrastructure errors (Gerrit unreachable): the driver retries them with backoff.
 */
export interface GateReporter {
  /** The item entered a pipeline that has a `start` action (e.g. Verified 0, "Starting gate jobs"). */
  start(pipeline: PipelineConfig, change: Change): Promise<void>;
  /**
   * The item's result: vote and message per the pipeline's success/failure action, then, when
   * `report.submit`, submit the tested patchset and say how that went (`reason`: the source's
   * refusal text, shown to the user, never parsed). Null when nothing was to be submitted.
   */
  report(pipeline: PipelineConfig, report: ReportCommand, jobs: ReportedJob[]): Promise<SubmitAnswer | null>;
}

export type SubmitAnswer = { ok: true } | { ok: false; reason: string };

/** For pipelines with nowhere to report (silent), and for `gatebox serve` without Gerrit. */
export const SILENT_REPORTER: GateReporter = {
  start: async () => {},
  report: async (_pipeline, report) => (report.submit ? { ok: true } : null),
};
