/**
 * The end of one started attempt: wait for the run under the job's timeout, its output limit, the
 * cancel signal and the console's health; then copy its artifacts out while the container is
 * still there. Used by Executor for fresh and reattached builds alike.
 */
import { rmSync } from "node:fs";
import type { ConsoleWriter } from "../logs/console-writer.ts";
import type { ArtifactFile, ArtifactsCopy } from "./artifacts.ts";
import type { BuildResult, ResolvedJob } from "./job.ts";
import { describeExit } from "./outcome.ts";
import type { LimitedOutput } from "./output-limit.ts";
import type { Run, Runner } from "./runner.ts";

/** How an attempt ended; the Executor adds the build's times and ids. */
export interface AttemptEnd {
  result: BuildResult;
  exitCode: number | null;
  attempts: number;
  message: string;
  infraErrors: string[];
  artifacts: ArtifactFile[];
  artifactsDropped: number;
}

export interface FinishContext {
  run: Run;
  runner: Runner;
  job: ResolvedJob;
  signal: AbortSignal;
  console: ConsoleWriter;
  output: LimitedOutput;
  attempt: number;
  /** Where this build's artifacts go; null when none are kept (no artifactsDir, or the job has none). */
  artifactsInto: string | null;
}

/** A killed run is given this long to be reported gone before its artifacts are copied anyway. */
const STOP_WAIT_MS = 5_000;
/** An artifacts copy that takes longer is cut off (what was copied is kept). */
const COPY_TIMEOUT_MS = 10 * 60_000;

const NO_ARTIFACTS = { artifacts: [] as ArtifactFile[], artifactsDropped: 0 };

/** Waits for a started run and ends the attempt. Throws InfraError (the run or the engine failed). */
export async function finishRun(c: FinishContext): Promise<AttemptEnd> {
  const { run, job, console, attempt } = c;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), job.timeout * 1000);
  });
  const cancelled = new Promise<"cancel">((resolve) => {
    if (c.signal.aborted) resolve("cancel");
    c.signal.addEventListener("abort", () => resolve("cancel"), { once: true });
  });
  const base = { attempts: attempt, infraErrors: [] as string[], exitCode: null };
  let end: Omit<AttemptEnd, "artifacts" | "artifactsDropped">;
  try {
    // The output limit first: a job that printed past it and exited at once still failed for it.
    const first = await Promise.race([c.output.exceeded, run.wait(), timedOut, cancelled, console.failure.then(() => "console" as const)]);
    if (first === "console") {
      await c.runner.destroy(run.buildId).catch(() => {});
      return { ...consoleFailed(console, attempt), ...NO_ARTIFACTS };
    }
    if (first === "cancel") return { ...base, result: "ABORTED", message: "cancelled", ...NO_ARTIFACTS };
    if (first === "timeout") {
      console.info(`gatebox: timed out after ${job.timeout}s; killing the build`);
      await stop(c);
      end = { ...base, result: "TIMED_OUT", message: `killed after the job's timeout of ${job.timeout}s` };
    } else if (first === "output-limit") {
      const message = `output limit exceeded (${c.output.limit} bytes)`;
      console.info(`gatebox: ${message}; killing the build`);
      await stop(c);
      end = { ...base, result: "FAILURE", message };
    } else {
      end = { ...base, ...describeExit(first, job), exitCode: first.exitCode };
    }
  } finally {
    clearTimeout(timer);
  }
  const artifacts = await collectArtifacts(c);
  // Cancelled while the artifacts were copied: cancelled it is, and nothing is kept.
  if (c.signal.aborted) {
    if (c.artifactsInto) rmSync(c.artifactsInto, { recursive: true, force: true });
    return { ...base, result: "ABORTED", message: "cancelled", ...NO_ARTIFACTS };
  }
  return { ...end, ...artifacts };
}

/** Kills the run; when its artifacts are wanted the container stays (destroyed after the copy). */
async function stop(c: FinishContext): Promise<void> {
  if (c.artifactsInto === null) {
    await c.runner.destroy(c.run.buildId).catch(() => {});
    return;
  }
  await c.run.kill().catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([c.run.wait().catch(() => {}), new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
  clearTimeout(timer);
}

/** Copies the job's artifacts out; a failure is noted in the console and leaves the result as it is. */
async function collectArtifacts(c: FinishContext): Promise<{ artifacts: ArtifactFile[]; artifactsDropped: number }> {
  const spec = c.job.artifacts;
  if (!spec || c.artifactsInto === null || c.signal.aborted) return NO_ARTIFACTS;
  const note = (line: string) => c.console.info(line);
  let copy: ArtifactsCopy;
  try {
    const signal = AbortSignal.any([c.signal, AbortSignal.timeout(COPY_TIMEOUT_MS)]);
    copy = await c.run.copyArtifacts({ dir: spec.dir, into: c.artifactsInto, limit: spec.limit, note, signal });
  } catch (err) {
    note(`gatebox: artifacts: could not copy ${spec.dir} (the result stands): ${(err as Error).message}`);
    return NO_ARTIFACTS;
  }
  const bytes = copy.files.reduce((n, f) => n + f.size, 0);
  const dropped = copy.dropped > 0 ? `; ${copy.dropped} dropped over the limit of ${spec.limit} bytes` : "";
  note(`gatebox: artifacts: ${copy.files.length} files (${bytes} bytes) kept${dropped}`);
  return { artifacts: copy.files, artifactsDropped: copy.dropped };
}

/** The build's console could not be written (disk full?): ours, not the change's; not retried (same disk). */
export function consoleFailed(console: ConsoleWriter, attempts: number) {
  const why = console.failed?.message ?? "?";
  return {
    result: "RETRY_LIMIT" as const,
    exitCode: null,
    attempts,
    message: `cannot write the build's console (disk full?), not the change's fault: ${why}`,
    infraErrors: [why],
  };
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
