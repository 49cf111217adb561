import { eq } from "drizzle-orm";
import type { GateboxConfig, PipelineConfig } from "../config/model.ts";
import { InfraError } from "../errors.ts";
import type { BuildHandle, BuildOutcome } from "../executor/executor.ts";
import type { Merger } from "../merger/merger.ts";
import { MergeConflictError } from "../merger/errors.ts";
import type { ChangeRef, RepoState, SubmitType } from "../merger/types.ts";
import type { BuildResult, Change, Command, SchedulerEvent } from "../scheduler/types.ts";
import type { OpenStore } from "../store/db.ts";
import { schedulerState } from "../store/schema.ts";
import type { BuildRunner } from "./executor-pool.ts";
import { jobSpec } from "./jobs.ts";
import { Records } from "./records.ts";
import type { GateReporter, ReportCommand, ReportedJob } from "./reporter.ts";
import type { ChangeMeta } from "./triggers.ts";

/** What the driver needs of the scheduler core (src/scheduler): one event in, commands out. */
export interface SchedulerPort {
  handle(event: SchedulerEvent, now: number): Command[];
  toJSON(): unknown;
  /** The queue (key) an item is in, for the history; undefined once it left. */
  queueOf(itemId: number): string | undefined;
  isEnqueued(pipeline: string, changeId: string): boolean;
}

/** Everything the driver must remember across a crash, saved with every event it handles. */
export interface DriverSnapshot {
  version: 1;
  core: unknown;
  /** Finished merges still referenced: mergeId → the item and its speculative state. */
  merges: Record<string, { itemId: number; state: RepoState }>;
  /** Commands handed out and not yet completed: re-run (or reattached) after a restart. */
  outstanding: Command[];
}

export interface DriverOptions {
  config: GateboxConfig;
  core: SchedulerPort;
  snapshot?: DriverSnapshot;
  merger: Merger;
  executor: BuildRunner;
  reporter: GateReporter;
  store: OpenStore;
  log: (line: string) => void;
  /** Seconds. */
  now?: () => number;
}

type Input =
  | { kind: "event"; event: SchedulerEvent; mergeState?: RepoState; outcome?: BuildOutcome }
  | { kind: "report-done"; itemId: number };

const PRECEDENCE = { high: 0, normal: 1e12, low: 2e12 } as const;

const RESULTS: Record<string, BuildResult> = { SUCCESS: "SUCCESS", FAILURE: "FAILURE", TIMED_OUT: "TIMED_OUT", RETRY_LIMIT: "ERROR" };

/**
 * Carries out the scheduler's commands with the real merger, executor and reporter, and feeds
 * their completions back in as events (DESIGN.md's driver). Inputs are handled one at a time, in
 * order; for each, the scheduler's new state, the commands it emitted and the history rows are
 * written in one SQLite transaction *before* any command is acted on, so a crash at any point
 * resumes from the store: outstanding merges are redone, builds reattached or rerun, reports
 * re-sent (reporters tolerate repeats).
 */
export class Driver {
  private readonly records: Records;
  private readonly merges = new Map<number, { itemId: number; state: RepoState }>();
  private readonly outstanding = new Map<string, Command>();
  private readonly handles = new Map<number, BuildHandle>();
  private readonly inbox: Input[] = [];
  private pumping: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: DriverOptions) {
    this.records = new Records(opts.store.db);
    this.now = opts.now ?? (() => Date.now() / 1000);
    for (const [id, m] of Object.entries(opts.snapshot?.merges ?? {})) this.merges.set(Number(id), m);
    for (const cmd of opts.snapshot?.outstanding ?? []) this.outstanding.set(keyOf(cmd), cmd);
  }

  /** Feeds one scheduler event in (from a trigger, the API, or a completion). */
  submit(event: SchedulerEvent): void {
    this.push({ kind: "event", event });
  }

  /** Calls `fn` after each input handled (the status may have changed); returns an unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  /** Resolves when every input so far has been handled (the commands may still be running). */
  async settled(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** After a restart: removes orphan containers, then redoes what was in flight. */
  async resume(): Promise<void> {
    const builds = [...this.outstanding.values()].filter((c) => c.type === "start-build");
    const keep = new Set(builds.map((c) => buildKey(c.buildId)));
    const removed = await this.opts.executor.cleanupOrphans((id) => keep.has(id)).catch((err: Error) => {
      this.opts.log(`gatebox: could not clean up orphan containers: ${err.message}`);
      return [] as string[];
    });
    if (removed.length > 0) this.opts.log(`gatebox: removed ${removed.length} orphan build container(s)`);
    for (const cmd of this.outstanding.values()) this.act(cmd, true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  private push(input: Input): void {
    if (this.stopped) return;
    this.inbox.push(input);
    this.pumping ??= this.pump().finally(() => {
      this.pumping = null;
    });
  }

  private async pump(): Promise<void> {
    while (this.inbox.length > 0) {
      const input = this.inbox.shift() as Input;
      try {
        this.step(input);
      } catch (err) {
        this.opts.log(`gatebox: internal error handling ${JSON.stringify(input).slice(0, 200)} (a bug): ${(err as Error).stack ?? err}`);
      }
      // Let completions and HTTP requests in between inputs.
      await Promise.resolve();
    }
  }

  private step(input: Input): void {
    const now = this.now();
    let commands: Command[] = [];
    let entered = null as Extract<SchedulerEvent, { type: "enqueue" }> | null;
    const { db } = this.opts.store;
    db.transaction(() => {
      if (input.kind === "report-done") {
        this.outstanding.delete(`report:${input.itemId}`);
        this.records.event(now, "report-done", { itemId: input.itemId });
      } else {
        const ev = input.event;
        this.complete(ev);
        if (input.mergeState && ev.type === "merge-done") this.records.mergeDone(ev.mergeId, input.mergeState);
        if (input.outcome && ev.type === "build-finished") this.records.buildFinished(ev.buildId, input.outcome);
        const seq = this.records.event(now, ev.type, ev);
        if (ev.type === "enqueue") this.records.change(ev.change, now);
        const before = ev.type === "enqueue" && this.opts.core.isEnqueued(ev.pipeline, ev.change.id);
        commands = this.opts.core.handle(ev, now);
        if (ev.type === "enqueue" && !before && this.opts.core.isEnqueued(ev.pipeline, ev.change.id)) entered = ev;
        for (const cmd of commands) {
          this.records.command(cmd, now, (itemId) => this.opts.core.queueOf(itemId) ?? "");
          this.track(cmd);
        }
        this.save(seq, now);
        return;
      }
      this.save(null, now);
    });
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (err) {
        this.opts.log(`gatebox: a status listener failed: ${(err as Error).message}`);
      }
    }
    if (entered) void this.runStart(entered.pipeline, entered.change);
    for (const cmd of commands) this.act(cmd, false);
  }

  /** Completions take their command off the outstanding list; merge results are kept for builds. */
  private complete(ev: SchedulerEvent): void {
    if (ev.type === "merge-done" || ev.type === "merge-failed") this.outstanding.delete(`merge:${ev.mergeId}`);
    if (ev.type === "build-finished" || ev.type === "build-cancelled") this.outstanding.delete(`build:${ev.buildId}`);
    if (ev.type === "submit-done" || ev.type === "submit-failed") this.outstanding.delete(`report:${ev.itemId}`);
  }

  private track(cmd: Command): void {
    switch (cmd.type) {
      case "merge":
      case "start-build":
      case "report":
        this.outstanding.set(keyOf(cmd), cmd);
        return;
      case "cancel-build":
        this.outstanding.delete(`build:${cmd.buildId}`);
        return;
      case "dequeue":
        for (const [id, m] of this.merges) if (m.itemId === cmd.itemId) this.merges.delete(id);
        return;
      default:
        return;
    }
  }

  private save(lastSeq: number | null, now: number): void {
    const snapshot: DriverSnapshot = {
      version: 1,
      core: this.opts.core.toJSON(),
      merges: Object.fromEntries(this.merges),
      outstanding: [...this.outstanding.values()],
    };
    const text = JSON.stringify(snapshot);
    const { db } = this.opts.store;
    const prev = db.select({ seq: schedulerState.lastEventSeq }).from(schedulerState).where(eq(schedulerState.id, 1)).get();
    const seq = lastSeq ?? prev?.seq ?? 0;
    db.insert(schedulerState)
      .values({ id: 1, lastEventSeq: seq, snapshot: text, updatedAt: now })
      .onConflictDoUpdate({ target: schedulerState.id, set: { lastEventSeq: seq, snapshot: text, updatedAt: now } })
      .run();
  }

  private act(cmd: Command, resumed: boolean): void {
    const fail = (what: string) => (err: unknown) => this.opts.log(`gatebox: ${what} failed unexpectedly (a bug): ${(err as Error)?.stack ?? err}`);
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
    return this.opts.config.pipelines.find((p) => p.name === name);
  }

  private async runMerge(cmd: Extract<Command, { type: "merge" }>): Promise<void> {
    const changes: ChangeRef[] = cmd.changes.map(toChangeRef);
    const submitTypes: Record<string, SubmitType> = {};
    for (const p of this.opts.config.projects) {
      if (p.submitType) submitTypes[p.name] = p.submitType.toUpperCase().replaceAll("-", "_") as SubmitType;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const state = await this.opts.merger.merge({ changes, submitTypes });
        this.merges.set(cmd.mergeId, { itemId: cmd.itemId, state });
        this.push({ kind: "event", event: { type: "merge-done", mergeId: cmd.mergeId }, mergeState: state });
        return;
      } catch (err) {
        if (err instanceof MergeConflictError) {
          this.push({ kind: "event", event: { type: "merge-failed", mergeId: cmd.mergeId, reason: err.message } });
          return;
        }
        const message = (err as Error).message;
        if (!(err instanceof InfraError) || attempt >= 5 || this.stopped) {
          // Not the change's fault, but the item cannot go on without its state.
          this.opts.log(`gatebox: merge ${cmd.mergeId} failed: ${message}`);
          this.push({ kind: "event", event: { type: "merge-failed", mergeId: cmd.mergeId, reason: `the merger failed: ${message}` } });
          return;
        }
        this.opts.log(`gatebox: merge ${cmd.mergeId}: ${message}; retrying (attempt ${attempt + 1})`);
        await Bun.sleep(1000 * 2 ** attempt);
      }
    }
  }

  private async runBuild(cmd: Extract<Command, { type: "start-build" }>, resumed: boolean): Promise<void> {
    const job = this.opts.config.jobs.get(cmd.job);
    const merge = this.merges.get(cmd.mergeId);
    const id = buildKey(cmd.buildId);
    const finished = (outcome: BuildOutcome) => {
      this.handles.delete(cmd.buildId);
      // A cancelled build's completion is not news: the scheduler already moved on.
      if (outcome.result === "ABORTED") return;
      const result = RESULTS[outcome.result] ?? "ERROR";
      this.push({ kind: "event", event: { type: "build-finished", buildId: cmd.buildId, result }, outcome });
    };
    if (!job || !merge) {
      this.opts.log(`gatebox: build ${cmd.buildId}: ${!job ? `job ${cmd.job} is not configured` : `merge ${cmd.mergeId} is unknown`}`);
      this.push({ kind: "event", event: { type: "build-finished", buildId: cmd.buildId, result: "ERROR" } });
      return;
    }
    if (resumed) {
      const handle = await this.opts.executor.reattach(id, jobSpec(job)).catch(() => null);
      if (handle) {
        this.handles.set(cmd.buildId, handle);
        finished(await handle.outcome);
        return;
      }
    }
    let workspace: Awaited<ReturnType<Merger["prepareWorkspace"]>>;
    try {
      workspace = await this.opts.merger.prepareWorkspace(merge.state, id);
    } catch (err) {
      this.opts.log(`gatebox: build ${cmd.buildId}: cannot prepare its workspace: ${(err as Error).message}`);
      this.push({ kind: "event", event: { type: "build-finished", buildId: cmd.buildId, result: "ERROR" } });
      return;
    }
    try {
      const handle = this.opts.executor.startBuild(
        {
          buildId: id,
          itemId: String(cmd.itemId),
          job: jobSpec(job),
          workspace: () => this.opts.merger.workspaceTar(workspace),
          // High-precedence pipelines first (Zuul), then older items.
          priority: PRECEDENCE[this.pipeline(cmd.pipeline)?.precedence ?? "normal"] + cmd.itemId,
        },
        job.executor,
      );
      this.handles.set(cmd.buildId, handle);
      finished(await handle.outcome);
    } finally {
      await this.opts.merger.removeWorkspace(workspace).catch(() => {});
    }
  }

  /** The pipeline's start action (e.g. Verified 0) when an item enters it. */
  private async runStart(pipelineName: string, change: Change): Promise<void> {
    const pipeline = this.pipeline(pipelineName);
    if (!pipeline?.start) return;
    await this.retrying(`start report of change ${change.id}`, () => this.opts.reporter.start(pipeline, change)).catch(() => {});
  }

  private async runReport(cmd: ReportCommand): Promise<void> {
    const pipeline = this.pipeline(cmd.pipeline);
    const base = this.opts.config.web.url;
    const jobs: ReportedJob[] = cmd.jobs.map((j) => ({
      job: j.job,
      voting: j.voting,
      result: j.status,
      duration: j.startedAt !== null && j.endedAt !== null ? j.endedAt - j.startedAt : null,
      url: j.buildId !== null ? `${base}/builds/${j.buildId}` : null,
    }));
    const answer = pipeline
      ? await this.retrying(`report of change ${cmd.change.id}`, () => this.opts.reporter.report(pipeline, cmd, jobs))
      : cmd.submit
        ? { ok: true as const }
        : null;
    if (!cmd.submit) {
      this.push({ kind: "report-done", itemId: cmd.itemId });
    } else if (answer === null || answer.ok) {
      this.push({ kind: "event", event: { type: "submit-done", itemId: cmd.itemId } });
      void this.verifyTree(cmd);
    } else {
      this.push({ kind: "event", event: { type: "submit-failed", itemId: cmd.itemId, reason: answer.reason } });
    }
  }

  /** After a submit: the branch's tree must be the tree that was tested. Loud when not. */
  private async verifyTree(cmd: ReportCommand): Promise<void> {
    const tested = [...this.merges.entries()].filter(([, m]) => m.itemId === cmd.itemId).sort(([a], [b]) => b - a)[0];
    const project = tested?.[1].state[cmd.change.project];
    if (!project) return;
    try {
      await this.opts.merger.verifyTree(cmd.change.project, cmd.change.branch, project.tree);
    } catch (err) {
      this.opts.log(`gatebox: TREE MISMATCH after submitting change ${cmd.change.id}: ${(err as Error).message}`);
      this.records.event(this.now(), "tree-mismatch", { change: cmd.change.id, message: (err as Error).message });
    }
  }

  /** Retries an infrastructure failure (Gerrit unreachable) with backoff until it goes through. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.stopped) throw err;
        const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6));
        this.opts.log(`gatebox: ${what} failed (${(err as Error).message}); retrying in ${delay / 1000}s`);
        await Bun.sleep(delay);
      }
    }
  }
}

function keyOf(cmd: Command): string {
  switch (cmd.type) {
    case "merge":
      return `merge:${cmd.mergeId}`;
    case "start-build":
    case "cancel-build":
      return `build:${cmd.buildId}`;
    case "report":
      return `report:${cmd.itemId}`;
    default:
      return `${cmd.type}:${cmd.itemId}`;
  }
}

/** The executor's (and console's, and web's) id of a build: the scheduler's number as text. */
export function buildKey(buildId: number): string {
  return String(buildId);
}

function toChangeRef(change: Change): ChangeRef {
  const meta = change.meta as ChangeMeta | undefined;
  return {
    project: change.project,
    branch: change.branch,
    number: meta?.number ?? Number(change.id),
    patchset: meta?.patchset ?? 1,
    ...(meta?.ref ? { ref: meta.ref } : {}),
    ...(meta?.revision ? { commit: meta.revision } : {}),
  };
}
