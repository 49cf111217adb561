import { jobReports, newRuns } from "./buildset.ts";
import { Dependents, removeDependents } from "./dependents.ts";
import type { PipelineJob, ResolvedPipeline, ResolvedProjectPipeline } from "./layout.ts";
import { queueReach } from "./reach.ts";
import type { Buildset, Item, QueueState, SchedulerState } from "./state.ts";
import type { Change, Command, ReportResult } from "./types.ts";

/**
 * The working context of one `handle` call: the state, lookup indexes derived from it, the clock
 * value and the commands emitted so far. Every mutation of items goes through these helpers so the
 * indexes (and the per-queue busy count) stay exact. Not thread-safe; one event at a time.
 */
export class Core {
  now = 0;
  out: Command[] = [];
  readonly pipelines = new Map<string, ResolvedPipeline>();
  readonly queues = new Map<string, QueueState>();
  readonly items = new Map<number, Item>();
  /** `pipeline \0 changeId` → item. */
  readonly byChange = new Map<string, Item>();
  readonly builds = new Map<number, Item>();
  readonly merges = new Map<number, Item>();
  readonly merged = new Set<string>();
  readonly dependents = new Dependents();
  /** Queue key → the demand ahead below which an item gets its merge (reach.ts). */
  readonly reach = new Map<string, number>();

  constructor(
    readonly layout: ResolvedPipeline[],
    readonly state: SchedulerState,
    readonly capacity: number,
    lazyMerges = true,
  ) {
    for (const p of layout) {
      this.pipelines.set(p.name, p);
      for (const { key } of p.queues) this.reach.set(key, lazyMerges ? queueReach(p, key, capacity) : Number.POSITIVE_INFINITY);
    }
    for (const q of state.queues) {
      this.queues.set(q.key, q);
      for (const item of q.items) this.index(item);
    }
    for (const id of state.merged) this.merged.add(id);
  }

  private index(item: Item): void {
    this.items.set(item.id, item);
    this.byChange.set(changeKey(item.pipeline, item.change.id), item);
    this.dependents.add(item);
    for (const bs of item.hedges ? [item.buildset, ...item.hedges] : [item.buildset]) {
      if (!bs) continue;
      if (bs.merge === "pending") this.merges.set(bs.mergeId, item);
      for (const run of bs.jobs) if (run.status === "running" && run.buildId !== null) this.builds.set(run.buildId, item);
    }
  }

  emit(cmd: Command): void {
    this.out.push(cmd);
  }

  itemOf(pipeline: string, changeId: string): Item | undefined {
    return this.byChange.get(changeKey(pipeline, changeId));
  }

  projectOf(item: Item): ResolvedProjectPipeline | undefined {
    return this.pipelines.get(item.pipeline)?.projects.get(item.change.project);
  }

  jobsOf(item: Item): readonly PipelineJob[] {
    return this.projectOf(item)?.jobs ?? [];
  }

  queueOf(item: Item): QueueState {
    const q = this.queues.get(item.queueKey);
    if (!q) throw new Error(`scheduler: item ${item.id} names unknown queue ${item.queueKey}`);
    return q;
  }

  addItem(q: QueueState, change: Change, needs: Change[]): Item {
    const item: Item = {
      id: this.state.nextItemId++,
      pipeline: q.pipeline,
      queueKey: q.key,
      change,
      needs,
      enqueuedAt: this.now,
      buildset: null,
      depFailing: false,
      failing: false,
      submitting: false,
      forceReset: false,
    };
    q.items.push(item);
    this.index(item);
    return item;
  }

  /** A change that may not be enqueued (FORMAT.md Depends-On): reported -1 under a fresh item id. */
  refuse(q: QueueState, change: Change, reason: string): void {
    const item: Item = {
      id: this.state.nextItemId++,
      pipeline: q.pipeline,
      queueKey: q.key,
      change,
      needs: [],
      enqueuedAt: this.now,
      buildset: null,
      depFailing: false,
      failing: true,
      submitting: false,
      forceReset: false,
    };
    this.report(item, -1, reason, false, false);
  }

  /** Starts testing `item` on `ahead` (null: the branch tip): allocates a buildset, asks for a merge. */
  startBuildset(item: Item, ahead: Item | null, changes: Change[]): void {
    const bs = {
      id: this.state.nextBuildsetId++,
      mergeId: this.state.nextMergeId++,
      merge: "pending" as const,
      mergeReason: null,
      aheadItem: ahead?.id ?? null,
      aheadBuildset: ahead?.buildset?.id ?? null,
      state: changes.map((c) => c.id),
      jobs: newRuns(this.jobsOf(item)),
    };
    item.buildset = bs;
    this.queueOf(item).busy++;
    this.merges.set(bs.mergeId, item);
    this.emit({ type: "merge", mergeId: bs.mergeId, buildsetId: bs.id, itemId: item.id, pipeline: item.pipeline, queue: item.queueKey, changes });
  }

  /**
   * Throws away the item's buildset: running builds are cancelled, a pending merge's result will be
   * discarded. `asReset`: the item stays and will be retested, so discarded builds are a reset.
   */
  dropBuildset(item: Item, asReset: boolean): void {
    const bs = item.buildset;
    if (!bs) return;
    item.buildset = null;
    if (!item.hedges) this.queueOf(item).busy--;
    this.discard(item, bs, asReset);
  }

  /**
   * Keeps the queue's busy count (items with a buildset or, adaptive, a hedge) exact after the
   * item's buildsets changed; `before`: whether it was busy before.
   */
  settleBusy(item: Item, before: boolean): void {
    const now = item.buildset !== null || item.hedges !== undefined;
    if (now !== before) this.queueOf(item).busy += now ? 1 : -1;
  }

  /**
   * Cancels what runs of `bs` (one of the item's buildsets, already unlinked from it) and forgets its
   * merge. `asReset`: its started builds are thrown away, so emit a `reset` naming them.
   */
  discard(item: Item, bs: Buildset, asReset: boolean): void {
    const discarded: number[] = [];
    let completed = 0;
    for (const run of bs.jobs) {
      if (run.buildId === null) continue;
      discarded.push(run.buildId);
      if (run.status === "running") {
        this.builds.delete(run.buildId);
        this.state.running--;
        this.emit({ type: "cancel-build", buildId: run.buildId, itemId: item.id, job: run.name });
      } else if (run.status !== "ABORTED") completed++;
    }
    this.merges.delete(bs.mergeId);
    if (asReset && discarded.length > 0) {
      this.emit({ type: "reset", itemId: item.id, pipeline: item.pipeline, changeId: item.change.id, discarded, completed });
    }
  }

  /** Adaptive: drops every hedge of the item (wasted unless promoted, so a reset when they ran). */
  dropHedges(item: Item): void {
    const hedges = item.hedges;
    if (!hedges) return;
    delete item.hedges;
    this.settleBusy(item, true);
    for (const h of hedges) this.discard(item, h, true);
  }

  /**
   * `tested`: false when the result is not about its own builds (e.g. a dependency left). `proof`
   * (adaptive): the buildset, and its item, whose result this is when it is not the item's own.
   */
  report(item: Item, result: ReportResult, reason: string, submit = false, tested = true, proof?: { bs: Buildset; owner: Item }): void {
    const bs = proof?.bs ?? item.buildset;
    const cmd: Extract<Command, { type: "report" }> = {
      type: "report",
      itemId: item.id,
      pipeline: item.pipeline,
      change: item.change,
      result,
      reason,
      submit,
      state: tested ? (bs?.state ?? null) : null,
      buildsetId: tested ? (bs?.id ?? null) : null,
      jobs: jobReports(bs, this.jobsOf(proof?.owner ?? item)),
      enqueuedAt: item.enqueuedAt,
    };
    if (this.pipelines.get(item.pipeline)?.strategy === "adaptive") {
      if (tested && bs) cmd.mergeId = bs.mergeId;
      if (proof && proof.owner !== item) cmd.provedBy = { itemId: proof.owner.id, changeId: proof.owner.change.id };
    }
    this.emit(cmd);
  }

  /**
   * Removes the item from its queue (cancelling what runs). Left unmerged, its dependents leave with
   * it (FORMAT.md Depends-On): always in dependent and serial queues, where they are failing with
   * it; in independent ones only when it was dequeued by an event (`dequeued`: abandoned, a new
   * patchset, by hand), since there a dependency's own result never fails what needs it.
   */
  remove(item: Item, merged: boolean, dequeued = false): void {
    const q = this.queueOf(item);
    const at = q.items.indexOf(item);
    if (at < 0) return;
    this.dropBuildset(item, false);
    this.dropHedges(item);
    q.items.splice(at, 1);
    this.items.delete(item.id);
    this.byChange.delete(changeKey(item.pipeline, item.change.id));
    this.dependents.delete(item);
    this.emit({ type: "dequeue", itemId: item.id, pipeline: item.pipeline, changeId: item.change.id, merged });
    if (merged) {
      this.markMerged(item.change.id);
      this.unlinkMerged(q, item);
      if (item.link) relinkToTip(q, item, at);
    } else if (dequeued || this.pipelines.get(item.pipeline)?.manager !== "independent") {
      removeDependents(this, item);
    }
  }

  /** Items tested on a merged item now have it on the branch tip: same state, no reset. */
  private unlinkMerged(q: QueueState, item: Item): void {
    // Only busy items have a buildset to fix; stop after the last one (the queue may be long).
    let left = q.busy;
    for (let i = 0; i < q.items.length && left > 0; i++) {
      const { buildset: bs, hedges } = q.items[i]!;
      if (!bs && !hedges) continue;
      left--;
      if (!bs) continue;
      if (bs.aheadItem === item.id) {
        bs.aheadItem = null;
        bs.aheadBuildset = null;
      }
    }
  }

  markMerged(changeId: string): void {
    if (this.merged.has(changeId)) return;
    this.merged.add(changeId);
    this.state.merged.push(changeId);
  }
}

/**
 * Adaptive: the items linked to a merged item now have it on the branch tip: the failing (and
 * presumed-bad) items right behind it and the next item of the chain; the scan stops at the first
 * item that is not failing and is linked to something else.
 */
function relinkToTip(q: QueueState, gone: Item, from: number): void {
  for (let i = from; i < q.items.length; i++) {
    const other = q.items[i]!;
    if (other.link?.ahead === gone.id) {
      other.link.ahead = null;
      other.link.aheadToken = null;
    } else if (!other.failing && !other.depFailing) return;
  }
}

export function changeKey(pipeline: string, changeId: string): string {
  return `${pipeline}\u0000${changeId}`;
}
