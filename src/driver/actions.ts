import type { GateboxConfig, JobConfig, PipelineConfig } from "../config/model.ts";
import { InfraError } from "../errors.ts";
import type { BuildHandle, BuildOutcome, BuildRequest, RunPlace } from "../executor/executor.ts";
import type { BuildRunner } from "../executor/pool.ts";
import { MergeConflictError } from "../merger/errors.ts";
import type { Merger } from "../merger/merger.ts";
import type { ChangeRef, ProjectState, RepoState, SubmitType, Workspace } from "../merger/types.ts";
import type { Change, Command, SchedulerEvent } from "../scheduler/index.ts";
import type { ReportCommand, SubmitAnswer } from "../sources/source.ts";
import { buildSpec, ownerOf, toChangeRef, toStateChange } from "./jobs.ts";
import { isPermanent, type ReportOutbox } from "./outbox.ts";
import { type JobHistory, retriesFlaky } from "./risk.ts";
import type { ParkedChange } from "./parked.ts";
import type { HeldMerge } from "./ports.ts";
import { isBranchChange } from "./timer.ts";

/** An input to the driver's loop: a scheduler event (with what the history keeps of it), or a report done. */
export type Input =
  | {
      kind: "event";
      event: SchedulerEvent;
      /** merge-done: the state built, for the driver's merges and the buildset's record. */
      merged?: { buildsetId: number } & HeldMerge;
      /** build-started: where it runs. */
      place?: RunPlace;
      /** build-finished: what the executor said. */
      outcome?: BuildOutcome;
      /** build-finished: failed runs of it that were run again first (`retry-flaky`). */
      retried?: number;
    }
  | { kind: "report-done"; itemId: number }
  /** A run of the build failed and it runs again on the same state; the scheduler is not told. */
  | { kind: "build-retried"; buildId: number; pipeline: string; job: string; outcome: BuildOutcome }
  | { kind: "park"; entry: ParkedChange };

export interface ActionDeps {
  config: GateboxConfig;
  merger: Merger;
  executor: BuildRunner;
  outbox: ReportOutbox;
  log: (line: string) => void;
  /** A finished merge the driver still holds (its state), by merge id. */
  merge(mergeId: number): HeldMerge | undefined;
  /** The newest merge of an item: what its reported builds tested. */
  lastMergeOf(itemId: number): HeldMerge | undefined;
  /** The change is known merged (a post pipeline tests the branch, not the change ref). */
  isMerged(changeId: string): boolean;
  /** A configured secret's value (only post-review pipelines' builds get them). */
  secret(name: string): string | undefined;
  /** Hands a completion back to the driver's loop. */
  push(input: Input): void;
  stopped(): boolean;
  recordEvent(kind: string, payload: unknown): void;
  /** Pause before retry n of an infrastructure failure, ms (default 1 s, 2 s, 4 s … capped at 60 s). */
  retryDelay?: (attempt: number) => number;
  /** The store's record of jobs (`retry-flaky-above`). */
  history?: JobHistory;
}

type StartBuild = Extract<Command, { type: "start-build" }>;

const PRECEDENCE = { high: 0, normal: 1e12, low: 2e12 } as const;
/** Tries of a merge or a workspace before the item is reported as an infrastructure error. */
const INFRA_ATTEMPTS = 5;

/**
 * The driver's hands: carries out merge, build, cancel and report commands with the merger,
 * executor and outbox, and turns what they answer into inputs for the driver's loop. Every
 * failure is classified here, once: a merge conflict is the change's; anything else (git fetch,
 * disk, Docker, a start that threw) is ours: retried with backoff, then an error that is reported
 * without a vote. A build always ends with a build-finished, so its slot is always freed.
 */
export class CommandActions {
  private readonly handles = new Map<number, BuildHandle>();
  /** Builds cancelled while between two runs (a flaky retry): they must not run again. */
  private readonly cancelled = new Set<number>();

  constructor(private readonly deps: ActionDeps) {}

  /** Carries out one command in the background; its completion comes back through `push`. */
  act(cmd: Command, resumed: boolean): void {
    const fail = (what: string) => (err: unknown) => this.deps.log(`gatebox: ${what} failed unexpectedly (a bug): ${(err as Error)?.stack ?? err}`);
    switch (cmd.type) {
      case "merge":
        this.runMerge(cmd).catch(fail(`merge ${cmd.mergeId}`));
        return;
      case "start-build":
        this.runBuild(cmd, resumed).catch((err: unknown) => {
          fail(`build ${cmd.buildId}`)(err);
          this.buildError(cmd, `internal error: ${(err as Error)?.message ?? err}`);
        });
        return;
      case "cancel-build":
        this.cancelled.add(cmd.buildId);
        this.handles.get(cmd.buildId)?.cancel().catch(fail(`cancel of build ${cmd.buildId}`));
        return;
      case "report":
        this.runReport(cmd).catch(fail(`report of item ${cmd.itemId}`));
        return;
      default:
        return;
    }
  }

  /** The pipeline's start action (e.g. Verified 0) when an item enters it, in the change's order. */
  start(pipelineName: string, change: Change): void {
    const pipeline = this.pipeline(pipelineName);
    // A timer's branch tip has no change to post on.
    if (pipeline?.start && !isBranchChange(change)) this.deps.outbox.start(pipeline, change);
  }

  private pipeline(name: string): PipelineConfig | undefined {
    return this.deps.config.pipelines.find((p) => p.name === name);
  }

  private async runMerge(cmd: Extract<Command, { type: "merge" }>): Promise<void> {
    // A timer's branch tip is no change to apply: its project is taken at the tip.
    const changes: ChangeRef[] = cmd.changes.filter((c) => !isBranchChange(c)).map(toChangeRef);
    const extraProjects = cmd.changes.filter(isBranchChange).map((c) => ({ project: c.project, branch: c.branch }));
    const submitTypes: Record<string, SubmitType> = {};
    for (const p of this.deps.config.projects) if (p.submitType) submitTypes[p.name] = p.submitType;
    const failed = (reason: string, infra: boolean) =>
      this.deps.push({ kind: "event", event: { type: "merge-failed", mergeId: cmd.mergeId, reason, infra } });
    for (let attempt = 1; ; attempt++) {
      try {
        const state = await this.deps.merger.merge({ changes, submitTypes, ...(extraProjects.length > 0 ? { extraProjects } : {}) });
        const held = { buildsetId: cmd.buildsetId, itemId: cmd.itemId, state, changes: cmd.changes.map(toStateChange) };
        this.deps.push({ kind: "event", event: { type: "merge-done", mergeId: cmd.mergeId }, merged: held });
        return;
      } catch (err) {
        if (err instanceof MergeConflictError) return failed(err.message, false);
        const message = (err as Error).message;
        // Not the change's fault: retried, and in the end reported without a vote.
        if (!(err instanceof InfraError) || attempt >= INFRA_ATTEMPTS || this.deps.stopped()) {
          this.deps.log(`gatebox: merge ${cmd.mergeId} failed for good (not the change's fault): ${message}`);
          return failed(message, true);
        }
        const delay = this.delay(attempt);
        this.deps.log(`gatebox: merge ${cmd.mergeId}: ${message}; retrying in ${delay / 1000}s`);
        await Bun.sleep(delay);
      }
    }
  }

  private async runBuild(cmd: StartBuild, resumed: boolean): Promise<void> {
    const job = this.deps.config.jobs.get(cmd.job);
    const merge = this.deps.merge(cmd.mergeId);
    const pipeline = this.pipeline(cmd.pipeline);
    const id = buildKey(cmd.buildId);
    if (!job || !merge || !pipeline) return this.buildError(cmd, !job ? `job ${cmd.job} is not configured` : !merge ? `merge ${cmd.mergeId} is unknown` : `pipeline ${cmd.pipeline} is not configured`);
    const changes = merge.changes ?? [];
    const spec = buildSpec(job, {
      pipeline,
      buildId: id,
      webUrl: this.deps.config.web.url,
      changes,
      state: merge.state,
      merged: changes.length > 0 && this.deps.isMerged(changes.at(-1)!.id),
      secret: (name) => this.deps.secret(name),
    });
    if (resumed) {
      const handle = await this.deps.executor.reattach(id, spec).catch(() => null);
      if (handle) {
        this.deps.log(`gatebox: build ${cmd.buildId} (${cmd.job}) reattached after a restart`);
        return this.watch(cmd, handle);
      }
    }
    const workspace = await this.prepareWorkspace(merge.state, id);
    if (typeof workspace === "string") return this.buildError(cmd, `cannot prepare its workspace: ${workspace}`);
    try {
      await this.runRetrying(cmd, job, { buildId: id, itemId: String(cmd.itemId), job: spec, priority: PRECEDENCE[pipeline.precedence] + cmd.itemId }, workspace);
    } catch (err) {
      // The executor refused to start it at all (e.g. a job it cannot run, a console it cannot open).
      this.buildError(cmd, `cannot start: ${(err as Error).message}`);
    } finally {
      await this.deps.merger.removeWorkspace(workspace).catch(() => {});
    }
  }

  /**
   * Runs the build; a failed run of a flaky job runs again on the same workspace first
   * (`retry-flaky`, src/driver/risk.ts): the scheduler hears one result, so one flaky test does
   * not reset the queue. `req.priority`: high-precedence pipelines first (Zuul), then older items.
   */
  private async runRetrying(cmd: StartBuild, job: JobConfig, req: Omit<BuildRequest, "workspace" | "onStarted">, workspace: Workspace): Promise<void> {
    for (let retried = 0; ; retried++) {
      const handle = this.deps.executor.startBuild(
        {
          ...req,
          // A job running as another user must own its checkout, or git refuses it ("dubious ownership").
          workspace: (options) => this.deps.merger.workspaceTar(workspace, { ...ownerOf(job.user), ...options }),
          // A retry's start is no news to the scheduler: the build has been running since the first.
          onStarted: (place) => {
            if (retried === 0) this.deps.push({ kind: "event", event: { type: "build-started", buildId: cmd.buildId }, place });
          },
        },
        job.executor,
      );
      const outcome = await this.outcomeOf(cmd, handle);
      const again = !this.cancelled.has(cmd.buildId) && !this.deps.stopped() && retriesFlaky(job, outcome, retried, this.deps.history);
      if (!again) return this.finished(cmd, outcome, retried);
      this.deps.log(`gatebox: build ${cmd.buildId} (${cmd.job}) ${outcome.result}: running it again on the same state (retry-flaky ${retried + 1} of ${job.retryFlaky})`);
      this.deps.push({ kind: "build-retried", buildId: cmd.buildId, pipeline: cmd.pipeline, job: cmd.job, outcome });
    }
  }

  /** Waits for a build's outcome and hands it back; a cancelled build's end is not news. */
  private async watch(cmd: StartBuild, handle: BuildHandle): Promise<void> {
    this.finished(cmd, await this.outcomeOf(cmd, handle), 0);
  }

  private async outcomeOf(cmd: StartBuild, handle: BuildHandle): Promise<BuildOutcome> {
    this.handles.set(cmd.buildId, handle);
    try {
      return await handle.outcome;
    } finally {
      this.handles.delete(cmd.buildId);
    }
  }

  private finished(cmd: StartBuild, outcome: BuildOutcome, retried: number): void {
    this.cancelled.delete(cmd.buildId);
    if (outcome.result === "ABORTED") return;
    const seconds = outcome.startedAt === null ? 0 : (outcome.finishedAt - outcome.startedAt) / 1000;
    this.deps.log(`gatebox: build ${cmd.buildId} (${cmd.job}, change ${cmd.state.at(-1) ?? "?"}) ${outcome.result} in ${seconds.toFixed(1)}s: ${outcome.message}`);
    const flaky = retried > 0 && outcome.result === "SUCCESS" ? " (flaky: failed, then passed on retry)" : "";
    if (flaky) this.deps.log(`gatebox: build ${cmd.buildId} (${cmd.job}) is flaky: failed, then passed on retry`);
    this.deps.push({ kind: "event", event: { type: "build-finished", buildId: cmd.buildId, result: outcome.result }, outcome, ...(retried > 0 ? { retried } : {}) });
  }

  /** Our failure, not the change's: the build ends as ERROR (never voted) and frees its slot. */
  private buildError(cmd: StartBuild, why: string): void {
    this.deps.log(`gatebox: build ${cmd.buildId} (${cmd.job}): ${why}; it ends as ERROR (not the change's fault)`);
    this.deps.push({ kind: "event", event: { type: "build-finished", buildId: cmd.buildId, result: "ERROR" } });
  }

  /** The build's workspace, retried on infrastructure errors; the last error's text when it cannot be made. */
  private async prepareWorkspace(state: RepoState, id: string): Promise<Workspace | string> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.merger.prepareWorkspace(state, id);
      } catch (err) {
        const message = (err as Error).message;
        if (attempt >= INFRA_ATTEMPTS || this.deps.stopped()) return message;
        this.deps.log(`gatebox: build ${id}: cannot prepare its workspace (${message}); retrying`);
        await Bun.sleep(this.delay(attempt));
      }
    }
  }

  private async runReport(cmd: ReportCommand): Promise<void> {
    const pipeline = this.pipeline(cmd.pipeline);
    let answer: SubmitAnswer | null;
    try {
      answer = await this.deliver(pipeline, cmd);
    } catch (err) {
      if (!isPermanent(err)) throw err;
      // Gerrit said no for good (no permission to vote or submit, unknown label under
      // strictLabels): retrying would hold the queue forever. Say so; a submit counts as refused.
      const message = (err as Error).message;
      this.deps.log(`gatebox: Gerrit refused the report of change ${cmd.change.id} (check the CI account's permissions): ${message}`);
      this.deps.recordEvent("report-refused", { change: cmd.change.id, message });
      answer = cmd.submit ? { ok: false, reason: `Gerrit refused: ${message}` } : null;
    }
    this.deps.log(`gatebox: reported change ${cmd.change.id} in ${cmd.pipeline}: ${String(cmd.result)}${cmd.reason ? ` (${cmd.reason})` : ""}`);
    if (!cmd.submit) {
      this.deps.push({ kind: "report-done", itemId: cmd.itemId });
    } else if (answer === null || answer.ok) {
      // Take the tested state now: submit-done dequeues the item, and its merges go with it. A
      // change landed on another item's passing state (adaptive: `provedBy`) leaves an
      // intermediate tree: the group's last change is checked against the tested one.
      const held = cmd.mergeId !== undefined ? this.deps.merge(cmd.mergeId) : this.deps.lastMergeOf(cmd.itemId);
      const tested = cmd.provedBy ? undefined : held?.state[cmd.change.project];
      this.deps.log(`gatebox: change ${cmd.change.id} submitted`);
      this.deps.push({ kind: "event", event: { type: "submit-done", itemId: cmd.itemId } });
      if (tested) void this.verifyTree(cmd, tested, answer?.revision);
    } else {
      this.deps.log(`gatebox: change ${cmd.change.id} was not submitted: ${answer.reason}`);
      this.deps.push({ kind: "event", event: { type: "submit-failed", itemId: cmd.itemId, reason: answer.reason } });
    }
  }

  /**
   * Where a result goes: the pipeline's reporter. A timer's branch tip reports nowhere (its result
   * is in the log, the history and the metrics); nor does a pipeline no longer configured.
   */
  private deliver(pipeline: PipelineConfig | undefined, cmd: ReportCommand): Promise<SubmitAnswer | null> {
    if (isBranchChange(cmd.change)) return Promise.resolve(cmd.submit ? { ok: false, reason: "a branch tip cannot be submitted" } : null);
    if (pipeline) return this.deps.outbox.result(pipeline, cmd);
    return Promise.resolve(cmd.submit ? { ok: true } : null);
  }

  /** After a submit: the commit it produced must hold the tree that was tested. Loud when not. */
  private async verifyTree(cmd: ReportCommand, tested: ProjectState, landed: string | undefined): Promise<void> {
    try {
      const head = await this.deps.merger.verifyTree(cmd.change.project, cmd.change.branch, tested.tree, landed);
      this.deps.recordEvent("tree-verified", { change: cmd.change.id, tree: tested.tree, commit: head.commit });
    } catch (err) {
      this.deps.log(`gatebox: TREE MISMATCH after submitting change ${cmd.change.id}: ${(err as Error).message}`);
      this.deps.recordEvent("tree-mismatch", { change: cmd.change.id, message: (err as Error).message });
    }
  }

  private delay(attempt: number): number {
    return (this.deps.retryDelay ?? ((n) => Math.min(60_000, 1000 * 2 ** (n - 1))))(attempt);
  }
}

/** The executor's (and console's, and web's) id of a build: the scheduler's number as text. */
export function buildKey(buildId: number): string {
  return String(buildId);
}
