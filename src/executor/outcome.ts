import type { BuildResult, ResolvedJob } from "./job.ts";
import type { ArtifactFile, RunExit } from "./runner.ts";

/** What the executor reports when a build is over. */
export interface BuildOutcome {
  buildId: string;
  result: BuildResult;
  /** The job's exit code, when it ran to its end (SUCCESS, FAILURE). */
  exitCode: number | null;
  /** Attempts made; more than 1 only after infrastructure errors. */
  attempts: number;
  /** One line for people: "exit 0", "exit 2", "killed: out of memory", "cancelled", the infra error. */
  message: string;
  /** Every infrastructure error met on the way, oldest first (also written to the console). */
  infraErrors: string[];
  /** When the build got a slot (ms since epoch); null when it never did. */
  startedAt: number | null;
  finishedAt: number;
  /** The console file (format: src/logs/console-format.ts). */
  logPath: string;
  /**
   * Files copied out of the job's artifacts directory (SUCCESS, FAILURE, TIMED_OUT), relative to
   * `<artifactsDir>/<buildId>/`, sorted by path; empty when the job has none or none are kept.
   */
  artifacts: ArtifactFile[];
  /** Artifact files left out over the job's artifacts limit. */
  artifactsDropped: number;
}

/** Maps a process exit to a result: pure, so the rules are tested on their own. */
export function describeExit(exit: RunExit, job: Pick<ResolvedJob, "memory">): { result: BuildResult; message: string } {
  if (exit.oomKilled) {
    // The job used more memory than it asked for: its fault, like any other failure.
    const limit = job.memory !== undefined ? ` (limit ${job.memory} bytes)` : "";
    return { result: "FAILURE", message: `killed: out of memory${limit}, exit ${exit.exitCode}` };
  }
  return exit.exitCode === 0
    ? { result: "SUCCESS", message: "exit 0" }
    : { result: "FAILURE", message: `exit ${exit.exitCode}` };
}

/** Default pause before attempt n: 2 s, 4 s, … so a blip has time to pass; capped at 30 s. */
export function retryDelay(attempt: number): number {
  return Math.min(30_000, 2_000 * (attempt - 1));
}
