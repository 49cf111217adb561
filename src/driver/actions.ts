import type { GateboxConfig, PipelineConfig } from "../config/model.ts";
import { InfraError } from "../errors.ts";
import type { BuildHandle, BuildOutcome, RunPlace } from "../executor/executor.ts";
import type { BuildRunner } from "../executor/pool.ts";
import { MergeConflictError } from "../merger/errors.ts";
import type { Merger } from "../merger/merger.ts";
import type { ChangeRef, ProjectState, RepoState, SubmitType } from "../merger/types.ts";
import type { Change, Command, SchedulerEvent } from "../scheduler/index.ts";
import { changeMeta, type Reporter, type ReportCommand } from "../sources/source.ts";
import { jobSpec } from "./jobs.ts";

/** An input to the driver's loop: a scheduler event (with what the history keeps of it), or a report done. */
export type Input =
  | {
      kind: "event";
      event: SchedulerEvent;
      /** merge-done: the state built, for the buildset's record. */
      merged?: { buildsetId: number; state: RepoState };
      /** build-started: where it runs. */
      place?: RunPlace;
      /** build-finished: what the executor said. */
      outcome?: BuildOutcome;
    }
  | { kind: "report-done"; itemId: number };

export interface ActionDeps {
  config: GateboxConfig;
  merger: Merger;
  executor: BuildRunner;
  reporter: Reporter;
  log: (line: string) => void;
  /** The driver's finished merges (merge id → item and state), shared: builds read, merges write. */
  merges: Map<number, { itemId: number; state: RepoState }>;
  /** Hands a completion back to the driver's loop. */
  push(input: Input): void;
  stopped(): boolean;
  recordEvent(kind: string, payload: unknown): void;
}

const PRECEDENCE = { high: 0, normal: 1e12, low: 2e12 } as const;

/**
 * The driver's hands: carries out merge, build, cancel and report commands with the merger,
 * executor and reporter, and turns what they answer into inputs for the driver's loop. Failures
 * are typed as DESIGN.md says: a merge conflict is the change's; anything infrastructural is
 * retried and never voted on.
 */
export class CommandActions {
  private readonly handles = new Map<number, BuildHandle>();

  constructor(private readonly deps: ActionDeps) {}

  /** Carries out one command in the background; its completion comes back through `push`. */
  act(cmd: Command, resumed: boolean): void {
    const fail = (what: string) => (err: unknown) => this.deps.log(`gatebox: ${what} failed unexpectedly (a bug): ${(err as Error)?.stack ?? err}`);
    switch (cmd.type) {
      case "merge":
        this.runMerge(cmd).catch(fail(`merge ${cmd.mergeId}`));
        return;
      case "start-build":
        this.runBuild(cmd, resumed).catch(fail(`build ${cmd.buildId}`));
        return;
      case "cancel-build":
        this.handles.get(cmd.buildId)?.cancel().catch(fail(`cancel of build ${cmd.buildId}`));
        return;
      case "report":
        this.runReport(cmd).catch(fail(`report of item ${cmd.itemId}`));
        return;
      default:
        return;
    }
  }

  private pipeline(name: string): PipelineConfig | undefined {
    return this.deps.config.pipelines.find((p) => p.name === name);
  }

  private async runMerge(cmd: Extract<Command, { type: "merge" }>): Promise<void> {
    const changes: ChangeRef[] = cmd.changes.map(toChangeRef);
    const submitTypes: Record<string, SubmitType> = {};
    for (const p of this.deps.config.projects) if (p.submitType) submitTypes[p.name] = p.submitType;
    for (let attempt = 1; ; attempt++) {
      try {
        const state = await this.deps.merger.merge({ changes, submitTypes });
        this.deps.merges.set(cmd.mergeId, { itemId: cmd.itemId, state });
        this.deps.push({ kind: "event", event: { type: "merge-done", mergeId: cmd.mergeId }, merged: { buildsetId: cmd.buildsetId, state } });
        return;
      } catch (err) {
        if (err instanceof MergeConflictError) {
          this.deps.push({ kind: "event", event: { type: "merge-failed", mergeId: cmd.mergeId, reason: err.message } });
          return;
        }
        const message = (err as Error).message;
        if (!(err instanceof InfraError) || attempt >= 5 || this.deps.stopped()) {
          // Not the change's fault, but the item cannot go on without its state.
          this.deps.log(`gatebox: merge ${cmd.mergeId} failed: ${message}`);
          this.deps.push({ kind: "event", event: { type: "merge-failed", mergeId: cmd.mergeId, reason: `the merger failed: ${message}` } });
          return;
        }
        this.deps.log(`gatebox: merge ${cmd.mergeId}: ${message}; retrying (attempt ${attempt + 1})`);
        await Bun.sleep(1000 * 2 ** attempt);
      }
    }
  }

  private async runBuild(cmd: Extract<Command, { type: "start-build" }>, resumed: boolean): Promise<void> {
    const job = this.deps.config.jobs.get(cmd.job);
    const merge = this.deps.merges.get(cmd.mergeId);
    const id = buildKey(cmd.buildId);
    const finished = (outcome: BuildOutcome) => {
      this.handles.delete(cmd.buildId);
      // A cancelled build's completion is not news: the scheduler already moved on.
      if (outcome.result === "ABORTED") return;
      this.deps.push({ kind: "event", event: { type: "build-finished", buildId: cmd.buildId, result: outcome.result }, outcome });
    };
    if (!job || !merge) {
      this.deps.log(`gatebox: build ${cmd.buildId}: ${!job ? `job ${cmd.job} is not configured` : `merge ${cmd.mergeId} is unknown`}`);
      this.deps.push({ kind: "event", event: { type: "build-finished", buildId: cmd.buildId, result: "ERROR" } });
      return;
    }
    if (resumed) {
      const handle = await this.deps.executor.reattach(id, jobSpec(job)).catch(() => null);
      if (handle) {
        this.handles.set(cmd.buildId, handle);
        finished(await handle.outcome);
        return;
      }
    }
    let workspace: Awaited<ReturnType<Merger["prepareWorkspace"]>>;
    try {
      workspace = await this.deps.merger.prepareWorkspace(merge.state, id);
    } catch (err) {
      this.deps.log(`gatebox: build ${cmd.buildId}: cannot prepare its workspace: ${(err as Error).message}`);
      this.deps.push({ kind: "event", event: { type: "build-finished", buildId: cmd.buildId, result: "ERROR" } });
      return;
    }
    try {
      const handle = this.deps.executor.startBuild(
        {
          buildId: id,
          itemId: String(cmd.itemId),
          job: jobSpec(job),
          workspace: () => this.deps.merger.workspaceTar(workspace),
          // High-precedence pipelines first (Zuul), then older items.
          priority: PRECEDENCE[this.pipeline(cmd.pipeline)?.precedence ?? "normal"] + cmd.itemId,
          onStarted: (place) => this.deps.push({ kind: "event", event: { type: "build-started", buildId: cmd.buildId }, place }),
        },
        job.executor,
      );
      this.handles.set(cmd.buildId, handle);
      finished(await handle.outcome);
    } finally {
      await this.deps.merger.removeWorkspace(workspace).catch(() => {});
    }
  }

  /** The pipeline's start action (e.g. Verified 0) when an item enters it, in the background. */
  start(pipelineName: string, change: Change): void {
    const pipeline = this.pipeline(pipelineName);
    if (!pipeline?.start) return;
    void this.retrying(`start report of change ${change.id}`, () => this.deps.reporter.start(pipeline, change)).catch(() => {});
  }

  private async runReport(cmd: ReportCommand): Promise<void> {
    const pipeline = this.pipeline(cmd.pipeline);
    let answer: Awaited<ReturnType<Reporter["report"]>>;
    try {
      answer = pipeline
        ? await this.retrying(`report of change ${cmd.change.id}`, () => this.deps.reporter.report(pipeline, cmd))
        : cmd.submit
          ? { ok: true as const }
          : null;
    } catch (err) {
      if (!isPermanent(err)) throw err;
      // Gerrit said no for good (no permission to vote or submit, unknown label under
      // strictLabels): retrying would hold the queue forever. Say so; a submit counts as refused.
      const message = (err as Error).message;
      this.deps.log(`gatebox: Gerrit refused the report of change ${cmd.change.id} (check the CI account's permissions): ${message}`);
      this.deps.recordEvent("report-refused", { change: cmd.change.id, message });
      answer = cmd.submit ? { ok: false, reason: `Gerrit refused: ${message}` } : null;
    }
    if (!cmd.submit) {
      this.deps.push({ kind: "report-done", itemId: cmd.itemId });
    } else if (answer === null || answer.ok) {
      // Take the tested state now: submit-done dequeues the item, and its merges go with it.
      const tested = this.testedState(cmd);
      this.deps.push({ kind: "event", event: { type: "submit-done", itemId: cmd.itemId } });
      if (tested) void this.verifyTree(cmd, tested);
    } else {
      this.deps.push({ kind: "event", event: { type: "submit-failed", itemId: cmd.itemId, reason: answer.reason } });
    }
  }

  /** The speculative state of the item's last merge: what its reported builds tested. */
  private testedState(cmd: ReportCommand): ProjectState | undefined {
    const last = [...this.deps.merges.entries()].filter(([, m]) => m.itemId === cmd.itemId).sort(([a], [b]) => b - a)[0];
    return last?.[1].state[cmd.change.project];
  }

  /** After a submit: the branch's tree must be the tree that was tested. Loud when not. */
  private async verifyTree(cmd: ReportCommand, tested: ProjectState): Promise<void> {
    try {
      await this.deps.merger.verifyTree(cmd.change.project, cmd.change.branch, tested.tree);
      this.deps.recordEvent("tree-verified", { change: cmd.change.id, tree: tested.tree });
    } catch (err) {
      this.deps.log(`gatebox: TREE MISMATCH after submitting change ${cmd.change.id}: ${(err as Error).message}`);
      this.deps.recordEvent("tree-mismatch", { change: cmd.change.id, message: (err as Error).message });
    }
  }

  /**
   * Retries an infrastructure failure (Gerrit unreachable, 5xx, 429) with backoff until it goes
   * through; an answer that will not change (a 4xx such as 403) is thrown at once.
   */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.deps.stopped() || isPermanent(err)) throw err;
        const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6));
        this.deps.log(`gatebox: ${what} failed (${(err as Error).message}); retrying in ${delay / 1000}s`);
        await Bun.sleep(delay);
      }
    }
  }
}

/** A client error that asking again will not change (not 408 timeout, not 429 quota). */
function isPermanent(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** The executor's (and console's, and web's) id of a build: the scheduler's number as text. */
export function buildKey(buildId: number): string {
  return String(buildId);
}

/** The merger's name for a change's patchset. */
function toChangeRef(change: Change): ChangeRef {
  const meta = changeMeta(change);
  return {
    project: change.project,
    branch: change.branch,
    number: meta.number,
    patchset: meta.patchset,
    ...(meta.ref ? { ref: meta.ref } : {}),
    ...(meta.revision ? { commit: meta.revision } : {}),
  };
}
