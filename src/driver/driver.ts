import type { GateboxConfig } from "../config/model.ts";
import type { Secret } from "../config/secret.ts";
import type { BuildRunner } from "../executor/pool.ts";
import type { Merger } from "../merger/merger.ts";
import type { RepoState } from "../merger/types.ts";
import type { Command, SchedulerEvent } from "../scheduler/index.ts";
import type { Reporter } from "../sources/source.ts";
import type { Journal } from "../store/journal.ts";
import { buildKey, CommandActions, type Input } from "./actions.ts";
import { DriverListeners } from "./observers.ts";
import { describeCommand, describeEvent } from "./oplog.ts";
import { ReportOutbox } from "./outbox.ts";
import { type ParkedChange, type Progress, park, release } from "./parked.ts";
import { InFlight } from "./in-flight.ts";
import type { DriverObserver, DriverSnapshot, DriverStep, SchedulerPort } from "./ports.ts";
import { recordInput } from "./history.ts";
import type { JobHistory } from "./risk.ts";
import { applyReload, describeStranded, type ReloadRequest, type StrandedItem, strandedOf } from "./reload.ts";

export type { DriverObserver, DriverSnapshot, DriverStep, SchedulerPort } from "./ports.ts";

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
  /** The store's record of jobs (`retry-flaky-above`). */
  history?: JobHistory;
}

/** What the loop takes: the actions' inputs, and a reloaded config. */
type Inbox = Input | { kind: "reload"; request: ReloadRequest };


/**
 * Carries out the scheduler's commands with the real merger, executor and reporter, and feeds
 * their completions back in as events (DESIGN.md's driver). Inputs are handled one at a time, in
 * order; for each, the scheduler's new state, the commands it emitted and the history rows are
 * written in one SQLite transaction *before* any command is acted on, so a crash at any point
 * resumes from the store: outstanding merges are redone, builds reattached or rerun, reports
 * re-sent (reporters tolerate repeats).
 */
export class Driver {
  private readonly inFlight: InFlight;
  private readonly actions: CommandActions;
  private readonly inbox: Inbox[] = [];
  private pumping: Promise<void> = Promise.resolve();
  /** Set before a pump starts (so inputs pushed from inside a step only queue), cleared as it ends. */
  private pumpRunning = false;
  private stopped = false;
  private readonly now: () => number;
  private readonly listeners: DriverListeners;
  private parked: ParkedChange[] = [];
  private readonly unparkListeners = new Set<(entry: ParkedChange) => void>();
  /** The config in force: the one given, until a reload replaces it. */
  private config: GateboxConfig;
  private secrets: ReadonlyMap<string, Secret> | undefined;

  constructor(private readonly opts: DriverOptions) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.listeners = new DriverListeners(opts.log);
    this.config = opts.config;
    this.secrets = opts.secrets;
    this.inFlight = new InFlight(opts.snapshot);
    const stopped = () => this.stopped;
    const config = () => this.config;
    this.actions = new CommandActions({
      get config() {
        return config();
      },
      merger: opts.merger,
      executor: opts.executor,
      outbox: new ReportOutbox({ reporter: opts.reporter, log: opts.log, stopped, ...(opts.retryDelay ? { retryDelay: opts.retryDelay } : {}) }),
      ...(opts.retryDelay ? { retryDelay: opts.retryDelay } : {}),
      ...(opts.history ? { history: opts.history } : {}),
      log: opts.log,
      merge: (mergeId) => this.inFlight.merges.get(mergeId),
      lastMergeOf: (itemId) => this.inFlight.lastMergeOf(itemId),
      isMerged: (changeId) => opts.core.isMerged(changeId),
      secret: (name) => this.secrets?.get(name)?.reveal(),
      push: (input) => this.push(input),
      stopped,
      recordEvent: (kind, payload) => this.opts.journal.event(this.now(), kind, payload),
    });
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

  /**
   * Applies a reloaded config in the loop, between two inputs: the scheduler keeps its state under
   * the new layout (queued items and running builds stay; new jobs apply to new buildsets), and
   * the items the config has no place for leave (dequeued, logged). Resolves with those items;
   * rejects, changing nothing, when the scheduler refuses the new layout.
   */
  reconfigure(config: GateboxConfig, secrets?: ReadonlyMap<string, Secret>, capacity?: number): Promise<StrandedItem[]> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new Error("gatebox is stopping"));
      const done: ReloadRequest["done"] = (a) => (a.ok ? resolve(a.stranded) : reject(a.error));
      this.push({ kind: "reload", request: { config, ...(secrets ? { secrets } : {}), ...(capacity !== undefined ? { capacity } : {}), done } });
    });
  }

  /** At a start: dequeues the items the config in force has no place for (it changed while gatebox was down). */
  dropStranded(): StrandedItem[] {
    const stranded = strandedOf(this.opts.core, this.config);
    this.dequeueStranded(stranded);
    return stranded;
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
    return this.listeners.subscribe(fn);
  }

  /** Calls `fn` with every input's event and commands once written (metrics); returns an unsubscribe. */
  observe(fn: DriverObserver): () => void {
    return this.listeners.observe(fn);
  }

  /** Resolves when every input so far has been handled (the commands may still be running). */
  async settled(): Promise<void> {
    while (this.pumpRunning) await this.pumping;
  }

  /** The merges the driver still holds: their states must outlive the merger's gc. */
  liveStates(): RepoState[] {
    return this.inFlight.liveStates();
  }

  /** The builds handed to the executor and not yet ended (their consoles and workspaces are in use). */
  buildsInFlight(): string[] {
    return this.inFlight.commands("start-build").map((c) => buildKey(c.buildId));
  }

  /** After a restart: removes orphan containers, then redoes what was in flight. */
  async resume(): Promise<void> {
    const keep = new Set(this.inFlight.commands("start-build").map((c) => buildKey(c.buildId)));
    const removed = await this.opts.executor.cleanupOrphans((id) => keep.has(id)).catch((err: Error) => {
      this.opts.log(`gatebox: could not clean up orphan containers: ${err.message}`);
      return [] as string[];
    });
    if (removed.length > 0) this.opts.log(`gatebox: removed ${removed.length} orphan build container(s)`);
    const all = this.inFlight.commands();
    const count = (type: Command["type"]) => all.filter((c) => c.type === type).length;
    if (all.length > 0) {
      this.opts.log(`gatebox: resuming after a restart: ${count("merge")} merge(s), ${count("start-build")} build(s), ${count("report")} report(s) were in flight`);
    }
    this.listeners.resumed({ now: this.now(), event: null, commands: all, entered: false });
    for (const cmd of all) this.act(cmd, true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  private push(input: Inbox): void {
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

  private step(input: Inbox): void {
    const now = this.now();
    if (input.kind === "reload") {
      this.reload(input.request, now);
      return;
    }
    let commands: Command[] = [];
    let entered = null as Extract<SchedulerEvent, { type: "enqueue" }> | null;
    let ready: ParkedChange[] = [];
    let observed: DriverStep | null = null;
    const { journal, core } = this.opts;
    journal.transaction(() => {
      if (input.kind === "report-done") {
        this.inFlight.outstanding.delete(`report:${input.itemId}`);
        journal.event(now, "report-done", { itemId: input.itemId });
        this.save(null, now);
        return;
      }
      if (input.kind === "build-retried") {
        // Not the scheduler's business (it hears the build's last result); the history and metrics'.
        journal.buildRetried(input.buildId);
        journal.event(now, "build-retried", { buildId: input.buildId, job: input.job, result: input.outcome.result, message: input.outcome.message });
        observed = { now, event: null, commands: [], entered: false, retry: { buildId: input.buildId, pipeline: input.pipeline, job: input.job, result: input.outcome.result } };
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
      this.inFlight.complete(ev);
      recordInput(journal, input, now, { held: (id, m) => this.inFlight.merges.set(id, m), isMerged: (id) => core.isMerged(id) });
      const seq = journal.event(now, ev.type, ev);
      const before = ev.type === "enqueue" && core.isEnqueued(ev.pipeline, ev.change.id);
      commands = core.handle(ev, now);
      if (ev.type === "enqueue" && !before && core.isEnqueued(ev.pipeline, ev.change.id)) entered = ev;
      const said = ev.type === "enqueue" && entered === null ? null : describeEvent(ev);
      if (said) this.opts.log(said);
      for (const cmd of commands) {
        journal.command(cmd, now, (itemId) => core.queueOf(itemId) ?? "");
        this.inFlight.track(cmd);
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
      observed = { now, event: ev, commands, entered: entered !== null, ...(input.outcome ? { outcome: input.outcome } : {}), ...(input.retried ? { retried: input.retried } : {}) };
    });
    for (const entry of ready) for (const fn of this.unparkListeners) fn(entry);
    this.listeners.notify(observed);
    if (entered) this.actions.start(entered.pipeline, entered.change);
    for (const cmd of commands) this.act(cmd, false);
  }

  /** A reloaded config: the core under its layout, then the items it has no place for leave. */
  private reload(req: ReloadRequest, now: number): void {
    const dequeue = (items: StrandedItem[]) => this.dequeueStranded(items);
    const stranded = applyReload(req, now, { core: this.opts.core, journal: this.opts.journal, save: (t) => this.save(null, t), dequeue });
    if (stranded instanceof Error) {
      req.done({ ok: false, error: stranded });
      return;
    }
    this.config = req.config;
    if (req.secrets) this.secrets = req.secrets;
    req.done({ ok: true, stranded });
    this.listeners.notify(null);
  }

  private dequeueStranded(stranded: readonly StrandedItem[]): void {
    for (const s of stranded) {
      this.opts.log(describeStranded(s));
      this.submit({ type: "dequeue", pipeline: s.pipeline, changeId: s.changeId });
      if (s.requeue) this.submit({ type: "enqueue", pipeline: s.pipeline, change: s.requeue.change, needs: s.requeue.needs });
    }
  }

  /** Takes what `progress` satisfies off the parked changes; returns those that may enter now. */
  private release(progress: Progress): ParkedChange[] {
    if (this.parked.length === 0) return [];
    const { ready, waiting } = release(this.parked, progress);
    this.parked = waiting;
    return ready;
  }

  private save(lastSeq: number | null, now: number): void {
    // Serialized right away by saveSnapshot: the live state needs no copy.
    const snapshot: DriverSnapshot = {
      version: 1,
      core: this.opts.core.liveState(),
      merges: Object.fromEntries(this.inFlight.merges),
      outstanding: this.inFlight.commands(),
      parked: this.parked,
    };
    this.opts.journal.saveSnapshot(snapshot, lastSeq, now);
  }

  private act(cmd: Command, resumed: boolean): void {
    this.actions.act(cmd, resumed);
  }
}
