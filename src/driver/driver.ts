import type { GateboxConfig } from "../config/model.ts";
import type { Secret } from "../config/secret.ts";
import type { BuildRunner } from "../executor/pool.ts";
import type { Merger } from "../merger/merger.ts";
import type { RepoState } from "../merger/types.ts";
import type { Command, SchedulerEvent } from "../scheduler/index.ts";
import type { Reporter } from "../sources/source.ts";
import type { Journal } from "../store/journal.ts";
import { buildKey, CommandActions, type Input } from "./actions.ts";
import { describeCommand, describeEvent } from "./oplog.ts";
import { ReportOutbox } from "./outbox.ts";
import { type ParkedChange, type Progress, park, release } from "./parked.ts";
import { type DriverSnapshot, type HeldMerge, keyOf, type SchedulerPort } from "./ports.ts";

export type { DriverSnapshot, SchedulerPort } from "./ports.ts";

export interface DriverOptions {
  config: GateboxConfig;
  core: SchedulerPort;
  snapshot?: DriverSnapshot;
  merger: Merger;
  executor: BuildRunner;
  reporter: Reporter;
  journal: Journal;
  log: (line: string) => void;
  /** Seconds. */
  now?: () => number;
  /** Pause before retry n of an infrastructure failure, ms (tests make it short). */
  retryDelay?: (attempt: number) => number;
  /** The config's `secrets:`, resolved; builds of post-review pipelines get the ones their job lists. */
  secrets?: ReadonlyMap<string, Secret>;
}


/**
 * Carries out the scheduler's commands with the real merger, executor and reporter, and feeds
 * their completions back in as events (DESIGN.md's driver). Inputs are handled one at a time, in
 * order; for each, the scheduler's new state, the commands it emitted and the history rows are
 * written in one SQLite transaction *before* any command is acted on, so a crash at any point
 * resumes from the store: outstanding merges are redone, builds reattached or rerun, reports
 * re-sent (reporters tolerate repeats).
 */
export class Driver {
  private readonly merges = new Map<number, HeldMerge>();
  private readonly outstanding = new Map<string, Command>();
  private readonly actions: CommandActions;
  private readonly inbox: Input[] = [];
  private pumping: Promise<void> = Promise.resolve();
  /** Set before a pump starts (so inputs pushed from inside a step only queue), cleared as it ends. */
  private pumpRunning = false;
  private stopped = false;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();
  private parked: ParkedChange[] = [];
  private readonly unparkListeners = new Set<(entry: ParkedChange) => void>();

  constructor(private readonly opts: DriverOptions) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    const stopped = () => this.stopped;
    this.actions = new CommandActions({
      config: opts.config,
      merger: opts.merger,
      executor: opts.executor,
      outbox: new ReportOutbox({ reporter: opts.reporter, log: opts.log, stopped, ...(opts.retryDelay ? { retryDelay: opts.retryDelay } : {}) }),
      ...(opts.retryDelay ? { retryDelay: opts.retryDelay } : {}),
      log: opts.log,
      merge: (mergeId) => this.merges.get(mergeId),
      lastMergeOf: (itemId) => {
        let last: HeldMerge | undefined;
        let lastId = -1;
        for (const [id, m] of this.merges) if (m.itemId === itemId && id > lastId) [last, lastId] = [m, id];
        return last;
      },
      isMerged: (changeId) => opts.core.isMerged(changeId),
      secret: (name) => opts.secrets?.get(name)?.reveal(),
      push: (input) => this.push(input),
      stopped,
      recordEvent: (kind, payload) => this.opts.journal.event(this.now(), kind, payload),
    });
    for (const [id, m] of Object.entries(opts.snapshot?.merges ?? {})) this.merges.set(Number(id), m);
    for (const cmd of opts.snapshot?.outstanding ?? []) this.outstanding.set(keyOf(cmd), cmd);
    this.parked = opts.snapshot?.parked ?? [];
  }

  /** Feeds one scheduler event in (from a trigger, the API, or a completion). */
  submit(event: SchedulerEvent): void {
    this.push({ kind: "event", event });
  }

  /** Keeps a change out of its pipeline until what it depends on is there (saved like any input). */
  park(entry: ParkedChange): void {
    this.push({ kind: "park", entry });
  }

  /** Calls `fn` with each parked change that may now enter (its dependencies are in, or merged). */
  whenUnparked(fn: (entry: ParkedChange) => void): void {
    this.unparkListeners.add(fn);
  }

  /** The changes waiting behind their dependencies. */
  waiting(): readonly ParkedChange[] {
    return this.parked;
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
    while (this.pumpRunning) await this.pumping;
  }

  /** The merges the driver still holds: their states must outlive the merger's gc. */
  liveStates(): RepoState[] {
    return [...this.merges.values()].map((m) => m.state);
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
    const count = (type: Command["type"]) => [...this.outstanding.values()].filter((c) => c.type === type).length;
    if (this.outstanding.size > 0) {
      this.opts.log(`gatebox: resuming after a restart: ${count("merge")} merge(s), ${count("start-build")} build(s), ${count("report")} report(s) were in flight`);
    }
    for (const cmd of this.outstanding.values()) this.act(cmd, true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  private push(input: Input): void {
    if (this.stopped) return;
    this.inbox.push(input);
    // `pumpRunning` is cleared in the same synchronous stretch in which the pump finds the inbox empty,
    // so an input pushed at any moment is either seen by the running pump or starts a new one.
    // (Clearing it in a later `.finally` left a window in which an input could be stranded.)
    if (!this.pumpRunning) {
      this.pumpRunning = true;
      this.pumping = this.pump();
    }
  }

  private async pump(): Promise<void> {
    for (;;) {
      const input = this.inbox.shift();
      if (input === undefined) {
        this.pumpRunning = false;
        return;
      }
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
    let ready: ParkedChange[] = [];
    const { journal, core } = this.opts;
    journal.transaction(() => {
      if (input.kind === "report-done") {
        this.outstanding.delete(`report:${input.itemId}`);
        journal.event(now, "report-done", { itemId: input.itemId });
        this.save(null, now);
        return;
      }
      if (input.kind === "park") {
        // What it waits for may have arrived since the source looked: check against the core now.
        const { entry } = input;
        const arrived = entry.waitsFor.filter((id) => core.isMerged(id) || core.isEnqueued(entry.pipeline, id));
        this.parked = park(this.parked, entry);
        ready = this.release({ entered: arrived.map((changeId) => ({ pipeline: entry.pipeline, changeId })), merged: [] });
        journal.event(now, "parked", entry);
        this.save(null, now);
        return;
      }
      const ev = input.event;
      this.complete(ev);
      this.journalInput(input, now);
      const seq = journal.event(now, ev.type, ev);
      const before = ev.type === "enqueue" && core.isEnqueued(ev.pipeline, ev.change.id);
      commands = core.handle(ev, now);
      if (ev.type === "enqueue" && !before && core.isEnqueued(ev.pipeline, ev.change.id)) entered = ev;
      const said = ev.type === "enqueue" && entered === null ? null : describeEvent(ev);
      if (said) this.opts.log(said);
      for (const cmd of commands) {
        journal.command(cmd, now, (itemId) => core.queueOf(itemId) ?? "");
        this.track(cmd);
        const line = describeCommand(cmd);
        if (line) this.opts.log(line);
      }
      ready = this.release({
        entered: entered ? [{ pipeline: entered.pipeline, changeId: entered.change.id }] : [],
        merged: [
          ...(ev.type === "change-merged" ? [ev.changeId] : []),
          ...commands.flatMap((c) => (c.type === "dequeue" && c.merged ? [c.changeId] : [])),
        ],
      });
      this.save(seq, now);
    });
    for (const entry of ready) for (const fn of this.unparkListeners) fn(entry);
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (err) {
        this.opts.log(`gatebox: a status listener failed: ${(err as Error).message}`);
      }
    }
    if (entered) this.actions.start(entered.pipeline, entered.change);
    for (const cmd of commands) this.act(cmd, false);
  }

  /** What an input tells the history beyond the event itself. */
  private journalInput(input: Extract<Input, { kind: "event" }>, now: number): void {
    const { journal } = this.opts;
    const ev = input.event;
    if (input.merged && ev.type === "merge-done") {
      const { buildsetId: _, ...held } = input.merged;
      this.merges.set(ev.mergeId, held);
      journal.mergeDone(input.merged.buildsetId, input.merged.state);
    }
    if (input.place && ev.type === "build-started") journal.buildStarted(ev.buildId, now, { executor: input.place.executor, containerId: input.place.runId });
    if (input.outcome && ev.type === "build-finished") journal.buildFinished(ev.buildId, input.outcome);
    if (ev.type === "enqueue") journal.change(ev.change, now, this.opts.core.isMerged(ev.change.id) ? "MERGED" : "NEW");
    if (ev.type === "abandon") journal.changeStatus(ev.changeId, "ABANDONED", now);
    if (ev.type === "change-merged") journal.changeStatus(ev.changeId, "MERGED", now);
  }

  /** Takes what `progress` satisfies off the parked changes; returns those that may enter now. */
  private release(progress: Progress): ParkedChange[] {
    if (this.parked.length === 0) return [];
    const { ready, waiting } = release(this.parked, progress);
    this.parked = waiting;
    return ready;
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
      parked: this.parked,
    };
    this.opts.journal.saveSnapshot(snapshot, lastSeq, now);
  }

  private act(cmd: Command, resumed: boolean): void {
    this.actions.act(cmd, resumed);
  }
}
