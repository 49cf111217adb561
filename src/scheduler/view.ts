import { failKind, readiness } from "./buildset.ts";
import type { Core } from "./core.ts";
import type { PipelineJob } from "./layout.ts";
import type { AdaptiveQueue, Buildset, Item, JobRun } from "./state.ts";
import type { Change, JobStatus } from "./types.ts";

/**
 * What one job of an item is doing, for people: "waiting: …" (may still run, and why not yet),
 * "running", a result, or "not run: …" (will not run on this buildset, and why).
 */
export type JobView =
  | "waiting: outside window"
  | "waiting: merge"
  | "waiting: dependency"
  | "waiting: capacity"
  | "waiting: item failing (fail-fast)"
  | "not run: merge failed"
  | "running"
  | Exclude<JobStatus, "waiting" | "running">;

export interface ItemView {
  itemId: number;
  change: Change;
  enqueuedAt: number;
  /** Change id of the item this one is tested on (null: the branch tip). */
  itemAhead: string | null;
  /** Inside the active window (may run merges and builds). */
  active: boolean;
  failing: boolean;
  failingReason: string | null;
  /** Reported success, waiting for the source to merge it. */
  submitting: boolean;
  /** Change ids of its speculative state, in merge order (null: no state yet). */
  state: string[] | null;
  /** Adaptive: it has no state of its own; the state of this change (behind it) tests it (a batch). */
  testedWith?: string;
  /** Adaptive: alternative states beside its own, each without one risky change ahead (hedges). */
  hedges?: { without: string; state: string[] }[];
  jobs: { job: string; state: JobView; buildId: number | null; startedAt: number | null; endedAt: number | null }[];
}

export interface QueueView {
  name: string;
  window: number;
  items: ItemView[];
  /** Adaptive queues: what the strategy measured and chose, and why (docs/strategy.md). */
  strategy?: StrategyView;
}

export interface StrategyView {
  strategy: "adaptive";
  /** nnfi: one state per item; batch: one state per `batch` items; hedge: nnfi plus hedges. */
  mode: "nnfi" | "batch" | "hedge";
  reason: string;
  /** Measured share of decided items that failed by their own fault. */
  failureRate: number;
  batch: number;
  hedges: number;
}

export interface SchedulerView {
  running: number;
  capacity: number | null;
  pipelines: { name: string; manager: string; queues: QueueView[] }[];
}

/** A snapshot for the status page and `gatebox status`; building it changes nothing. */
export function buildView(core: Core): SchedulerView {
  return {
    running: core.state.running,
    capacity: Number.isFinite(core.capacity) ? core.capacity : null,
    pipelines: core.layout.map((p) => ({
      name: p.name,
      manager: p.manager,
      queues: p.queues.map(({ key }) => {
        const q = core.queues.get(key)!;
        const limit = p.manager === "independent" || q.window === 0 ? Number.POSITIVE_INFINITY : q.window;
        if (p.strategy !== "adaptive") return { name: q.name, window: q.window, items: q.items.map((item, i) => itemView(core, item, i < limit, true)) };
        return { name: q.name, window: q.window, items: adaptiveItems(core, q.items), strategy: strategyView(q.adaptive) };
      }),
    })),
  };
}

/** `lazy`: a zuul queue, where an active item without a state waits for an executor (reach.ts). */
function itemView(core: Core, item: Item, active: boolean, lazy = false): ItemView {
  const bs = item.buildset;
  const jobs = core.jobsOf(item);
  const kind = bs ? failKind(bs, jobs) : null;
  const failFastStop = (core.projectOf(item)?.failFast ?? false) && kind !== null;
  const ahead = bs?.aheadItem != null ? core.items.get(bs.aheadItem) : undefined;
  const runs: JobRun[] = bs?.jobs ?? jobs.map((j) => ({ name: j.name, status: "waiting", buildId: null, startedAt: null, endedAt: null }));
  return {
    itemId: item.id,
    change: item.change,
    enqueuedAt: item.enqueuedAt,
    itemAhead: ahead?.change.id ?? null,
    active,
    failing: item.depFailing || kind !== null,
    failingReason: item.depFailing
      ? "a change it depends on is failing"
      : kind === "conflict"
        ? "merge conflict"
        : kind === "vote"
          ? "a voting job failed"
          : kind === "error"
            ? "infrastructure error"
            : null,
    submitting: item.submitting,
    state: bs?.state ?? null,
    jobs: runs.map((run, j) => ({
      job: run.name,
      state: jobState(run, j, { bs, jobs, active, failFastStop, lazy: lazy && !item.depFailing }),
      buildId: run.buildId,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
    })),
  };
}

function jobState(
  run: JobRun,
  j: number,
  at: { bs: Buildset | null; jobs: readonly PipelineJob[]; active: boolean; failFastStop: boolean; lazy: boolean },
): JobView {
  const { bs, jobs } = at;
  if (run.status !== "waiting") return run.status;
  // A failed merge (a conflict, or the merger's error) leaves no workspace: its jobs never run.
  if (bs && bs.merge !== "pending" && bs.merge !== "done") return "not run: merge failed";
  // Inside a zuul window without a state: its merge waits until an executor is within reach.
  if (at.active && !bs && at.lazy) return "waiting: capacity";
  if (!at.active || !bs) return "waiting: outside window";
  if (bs.merge !== "done") return "waiting: merge";
  if (at.failFastStop) return "waiting: item failing (fail-fast)";
  if (readiness(bs, jobs, j) !== "ready") return "waiting: dependency";
  return "waiting: capacity";
}

function strategyView(a: AdaptiveQueue | undefined): StrategyView {
  const hedges = a?.hedges ?? 0;
  const mode = a?.mode === "nnfi" && hedges > 0 ? "hedge" : (a?.mode ?? "nnfi");
  const reason = a?.reason ?? "nothing measured yet";
  return { strategy: "adaptive", mode, reason, failureRate: a?.rate ?? 0, batch: a?.batch ?? 1, hedges };
}

/**
 * Adaptive queues: an item is active when it has a state or rides in the state of an item behind
 * it (a batch; `testedWith` names that item); hedges are listed.
 */
function adaptiveItems(core: Core, items: readonly Item[]): ItemView[] {
  const views: ItemView[] = new Array(items.length);
  let tester: string | undefined;
  let covers: readonly string[] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const rides = !item.buildset && tester !== undefined && covers.includes(item.change.id);
    const view = itemView(core, item, item.buildset !== null || rides);
    if (item.buildset) {
      tester = item.change.id;
      covers = item.buildset.covers ?? [];
    } else if (rides) view.testedWith = tester;
    if (item.hedges) {
      view.hedges = item.hedges.map((h) => ({ without: h.without ?? "?", state: h.state.slice() }));
    }
    views[i] = view;
  }
  return views;
}
