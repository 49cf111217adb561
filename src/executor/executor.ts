import { GateboxError, InfraError } from "../errors.ts";
import type { ConsoleHub } from "../logs/console-hub.ts";
import type { ConsoleWriter } from "../logs/console-writer.ts";
import { artifactsDest } from "./artifacts.ts";
import { Capacity } from "./capacity.ts";
import { type AttemptEnd, consoleFailed, finishRun, sleep } from "./finish.ts";
import { type BuildResult, type JobSpec, type ResolvedJob, resolveJob, secretValues } from "./job.ts";
import { withDefaultLimits } from "./limits.ts";
import { type BuildOutcome, retryDelay } from "./outcome.ts";
import { LimitedOutput } from "./output-limit.ts";
import type { Run, RunRequest, Runner } from "./runner.ts";

export type { BuildOutcome } from "./outcome.ts";

export interface ExecutorOptions {
  /** The executor's name in the config (default the runner's endpoint). */
  name?: string;
  runner: Runner;
  consoles: ConsoleHub;
  /** Builds running at once on this runner's engine; the rest queue by priority. */
  capacity: number;
  /**
   * Where builds' artifacts are kept: `<artifactsDir>/<buildId>/<relative path>`. Unset: none
   * are kept (a job's artifacts directory is still made, but nothing is copied out).
   */
  artifactsDir?: string;
  /** Pause before attempt n (n ≥ 2), in ms. Default 2 s × (n − 1). */
  retryDelayMs?: (attempt: number) => number;
  now?: () => number;
}

export interface BuildRequest {
  buildId: string;
  itemId: string;
  job: JobSpec;
  /** The workspace tar, made afresh for every attempt (see RunRequest.workspace). */
  workspace?: RunRequest["workspace"];
  /** Lower runs sooner when builds queue for capacity; FIFO within a priority. Default 0. */
  priority?: number;
  /** Called each time an attempt has started running: on which executor, as which container. */
  onStarted?: (where: RunPlace) => void;
}

/** Where a build runs: the executor's name and the engine's id of its container (or process). */
export interface RunPlace {
  executor: string;
  runId: string;
}

/** A build started with `startBuild`. */
export interface BuildHandle {
  readonly buildId: string;
  /** Settles once, when the build is over and its container is gone. Never rejects. */
  readonly outcome: Promise<BuildOutcome>;
  /**
   * Stops the build: ABORTED. Resolves once its container is killed and removed. Idempotent;
   * harmless after the build ended (the outcome stays what it was).
   */
  cancel(): Promise<void>;
}

/**
 * Runs builds on one Runner: capacity, timeouts, cancellation, retries of infrastructure errors,
 * the console of each build (secrets masked), output limits, default resource limits (the
 * engine's share per slot) and artifacts. Results: exit 0 SUCCESS; other exits (OOM included)
 * and output past the limit FAILURE; over the job's timeout TIMED_OUT; cancelled ABORTED;
 * infrastructure failing on every one of the job's `attempts` RETRY_LIMIT, never the change's fault.
 * Concurrency: any number of builds may be started, cancelled and awaited concurrently; one
 * buildId must not be started twice while the first is running.
 */
export class Executor {
  readonly name: string;
  private readonly runner: Runner;
  private readonly consoles: ConsoleHub;
  private readonly capacity: Capacity;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly now: () => number;
  private readonly artifactsDir: string | undefined;
  private readonly active = new Map<string, BuildHandle>();

  constructor(opts: ExecutorOptions) {
    this.name = opts.name ?? opts.runner.endpoint;
    this.runner = opts.runner;
    this.consoles = opts.consoles;
    this.capacity = new Capacity(opts.capacity);
    this.retryDelayMs = opts.retryDelayMs ?? retryDelay;
    this.now = opts.now ?? Date.now;
    this.artifactsDir = opts.artifactsDir;
  }

  /** Builds started and not yet over, by id. */
  get running(): ReadonlyMap<string, BuildHandle> {
    return this.active;
  }

  /** Whether the engine answers (InfraError naming it otherwise). */
  ping(): Promise<void> {
    return this.runner.ping();
  }

  /** Builds this executor runs at once (its `capacity` in the config). */
  get slots(): number {
    return this.capacity.limit;
  }

  /** Queue depth and running count, for the status page. */
  get load(): { running: number; queued: number } {
    return { running: this.capacity.running, queued: this.capacity.queued };
  }

  /** Starts a build; throws InputError at once if the job is invalid. */
  startBuild(req: BuildRequest): BuildHandle {
    const job = resolveJob(req.job, `build ${req.buildId}`);
    const console = this.consoles.open(req.buildId, secretValues(job));
    return this.track(req.buildId, console, (signal) =>
      this.attempts({ buildId: req.buildId, itemId: req.itemId, job, workspace: req.workspace }, req.priority ?? 0, signal, console, req.onStarted),
    );
  }

  /** Cancels a running build by id; does nothing for an unknown or finished one. */
  async cancelBuild(buildId: string): Promise<void> {
    await this.active.get(buildId)?.cancel();
  }

  /** At start-up: removes containers of builds `keep` rejects (left by a crashed process). */
  cleanupOrphans(keep: (buildId: string) => boolean): Promise<string[]> {
    return this.runner.cleanupOrphans(keep);
  }

  /**
   * At start-up: continues a build that was running when the process stopped, appending to its
   * console. The timeout restarts from now. Null when the runner has nothing of it left.
   */
  async reattach(buildId: string, job: JobSpec): Promise<BuildHandle | null> {
    const resolved = resolveJob(job, `build ${buildId}`);
    const console = this.consoles.open(buildId, secretValues(resolved));
    const output = new LimitedOutput(console, resolved.outputLimit);
    const run = await this.runner.reattach(buildId, output).catch((err) => {
      console.close();
      throw err;
    });
    if (!run) {
      console.close();
      return null;
    }
    return this.track(buildId, console, async (signal) => {
      const release = await this.capacity.acquire(Number.NEGATIVE_INFINITY);
      // Its real start (the container's), so the report gives the build's real duration.
      const startedAt = run.startedAt ?? this.now();
      try {
        return { ...(await this.finish(run, resolved, signal, console, output, 1)), startedAt };
      } catch (err) {
        if (!(err instanceof InfraError)) throw err;
        // No workspace to start it again with: the scheduler decides whether to rerun it.
        const message = `infrastructure failed on a reattached build: ${err.message}`;
        return { result: "RETRY_LIMIT" as const, exitCode: null, attempts: 1, message, infraErrors: [err.message], startedAt };
      } finally {
        release();
        await this.runner.destroy(buildId).catch(() => {});
      }
    });
  }

  private track(buildId: string, console: ConsoleWriter, body: (signal: AbortSignal) => Promise<Ended>): BuildHandle {
    const ac = new AbortController();
    let cancelling: Promise<void> | null = null;
    const outcome = body(ac.signal)
      .catch((err): Ended => ({
        // Only a bug gets here: every expected failure is mapped to a result inside.
        result: "RETRY_LIMIT" as BuildResult,
        exitCode: null,
        attempts: 0,
        message: `internal error (a bug): ${(err as Error)?.stack ?? err}`,
        infraErrors: [],
        startedAt: null,
      }))
      .then((found) => {
        // A console that could not be written (a full disk) makes the build ours, whatever it did.
        const failed = console.failed && found.result !== "ABORTED" && found.result !== "RETRY_LIMIT";
        const o = failed ? { ...found, ...consoleFailed(console, found.attempts), artifacts: [], artifactsDropped: 0 } : found;
        // Secrets never leave in a message either (the store and the report get it).
        const message = console.redact(o.message);
        console.info(`gatebox: ${o.result}: ${message}`);
        console.close(o.result);
        this.active.delete(buildId);
        return {
          ...o, message, infraErrors: o.infraErrors.map((e) => console.redact(e)),
          artifacts: o.artifacts ?? [], artifactsDropped: o.artifactsDropped ?? 0,
          buildId, logPath: console.path, finishedAt: this.now(),
        };
      });
    const handle: BuildHandle = {
      buildId,
      outcome,
      cancel: () => {
        if (!this.active.has(buildId) || this.active.get(buildId) !== handle) return outcome.then(() => {});
        cancelling ??= (async () => {
          ac.abort(new GateboxError("cancelled"));
          // Kill and remove right away rather than waiting for the attempt loop to notice.
          await this.runner.destroy(buildId).catch(() => {});
        })();
        return cancelling;
      },
    };
    this.active.set(buildId, handle);
    return handle;
  }

  private async attempts(req: RunRequest, priority: number, signal: AbortSignal, console: ConsoleWriter, onStarted?: (where: RunPlace) => void) {
    const { job } = req;
    const infraErrors: string[] = [];
    const aborted = (startedAt: number | null, attempts: number) => ({
      result: "ABORTED" as const, exitCode: null, attempts, message: "cancelled", infraErrors, startedAt,
    });
    let release: () => void;
    try {
      release = await this.capacity.acquire(priority, signal);
    } catch {
      return aborted(null, 0);
    }
    const startedAt = this.now();
    try {
      for (let attempt = 1; attempt <= job.attempts; attempt++) {
        if (signal.aborted) return aborted(startedAt, attempt - 1);
        if (console.failed) return { ...consoleFailed(console, attempt - 1), infraErrors: [...infraErrors, console.failed.message], startedAt };
        if (attempt > 1) {
          console.info(`gatebox: attempt ${attempt} of ${job.attempts} after an infrastructure error`);
          await sleep(this.retryDelayMs(attempt), signal);
          if (signal.aborted) return aborted(startedAt, attempt - 1);
        }
        try {
          const totals = await this.runner.resources();
          const limited = { ...req, job: withDefaultLimits(job, totals, this.capacity.limit) };
          const output = new LimitedOutput(console, job.outputLimit);
          const run = await this.runner.start(limited, output);
          onStarted?.({ executor: this.name, runId: run.runId });
          const done = await this.finish(run, limited.job, signal, console, output, attempt);
          return { ...done, infraErrors, startedAt };
        } catch (err) {
          if (signal.aborted) return aborted(startedAt, attempt);
          if (!(err instanceof InfraError)) throw err;
          infraErrors.push(err.message);
          console.info(`gatebox: infrastructure error (not the change's fault): ${err.message}`);
        } finally {
          await this.runner.destroy(req.buildId).catch((err: Error) => {
            console.info(`gatebox: could not remove the container yet: ${err.message}`);
          });
        }
      }
      return {
        result: "RETRY_LIMIT" as const, exitCode: null, attempts: job.attempts,
        message: `infrastructure failed ${job.attempts} times; last: ${infraErrors.at(-1) ?? "?"}`,
        infraErrors, startedAt,
      };
    } finally {
      release();
    }
  }

  /** Waits for a started run under the job's timeout, output limit and the cancel signal; copies its artifacts. Throws InfraError. */
  private finish(run: Run, job: ResolvedJob, signal: AbortSignal, console: ConsoleWriter, output: LimitedOutput, attempt: number) {
    const artifactsInto = job.artifacts && this.artifactsDir !== undefined ? artifactsDest(this.artifactsDir, run.buildId) : null;
    return finishRun({ run, runner: this.runner, job, signal, console, output, attempt, artifactsInto });
  }
}

/** What a build's body ends with; `track` adds the ids, the times and the console's path. */
type Ended = Omit<AttemptEnd, "artifacts" | "artifactsDropped" | "infraErrors"> & {
  infraErrors: string[];
  startedAt: number | null;
  artifacts?: AttemptEnd["artifacts"];
  artifactsDropped?: number;
};
