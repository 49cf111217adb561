import type { ItemView, JobView, SchedulerView, StrategyView } from "../scheduler/index.ts";
import { isChangeMeta } from "../sources/source.ts";
import { jobEtas } from "./status-eta.ts";
import { layoutQueue } from "./status-tree.ts";

/**
 * The one place that maps the scheduler's read-only view (SchedulerView) to the JSON the status
 * page, `gatebox status` and /api/status use. Pure: the store's figures (median job durations)
 * and the clock come in as arguments.
 */

export interface StatusChange {
  id: string;
  number: number | null;
  patchset: number | null;
  project: string;
  branch: string;
  owner: string;
  subject: string;
  url: string;
}

export interface StatusJob {
  name: string;
  /**
   * The scheduler's job state (JobView): "running", a result, "waiting: …" (see `waiting`), or
   * "not run: …" (it will not run on this buildset, e.g. the merge failed: finished, nothing left).
   */
  state: string;
  /** For a job that may still run but has not started: why, in words; null otherwise. */
  waiting: string | null;
  buildId: string | null;
  logUrl: string | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Seconds since it started (to its end when finished). */
  elapsed: number | null;
  /** Median duration of this job's past successful builds, seconds; null without history. */
  estimate: number | null;
  /**
   * Estimated seconds until it is done (0 when finished); for a job not started, the wait for the
   * window and a free executor included (status-eta.ts); null when unknown.
   */
  remaining: number | null;
  /** 0..1 for a running job with an estimate. */
  progress: number | null;
}

export interface StatusItem {
  id: number;
  change: StatusChange;
  enqueuedAt: number;
  /**
   * Item id this one is tested on (its nearest non-failing item ahead); null: the branch tip. For
   * an item not `tested` yet: the item it waits behind in queue order (null: nothing ahead).
   */
  ahead: number | null;
  /** Item ids hanging from this one in the tree. */
  behind: number[];
  /** False while it has no speculative state (e.g. outside the active window): `ahead` is then only its place in line. */
  tested: boolean;
  active: boolean;
  failing: boolean;
  failingReason: string | null;
  submitting: boolean;
  /** Change ids of its speculative state, in merge order. */
  state: string[] | null;
  jobs: StatusJob[];
  /** Estimated seconds until all its jobs are done (the last one); null when unknown. */
  remaining: number | null;
  /** Drawing of the queue tree: nesting depth, and whether it branches off the line above. */
  depth: number;
  branch: boolean;
}

export interface StatusQueue {
  name: string;
  window: number;
  /** In display order: the queue's order, with items that branch off listed under their parent. */
  items: StatusItem[];
  /** Adaptive queues: the strategy's mode and why (docs/strategy.md), as the core's view says. */
  strategy?: StrategyView;
}

export interface StatusPipeline {
  name: string;
  manager: string;
  queues: StatusQueue[];
}

export interface StatusJson {
  generatedAt: number;
  running: number;
  capacity: number | null;
  pipelines: StatusPipeline[];
}

const WAITING: Record<string, string> = {
  "waiting: outside window": "outside the active window",
  "waiting: merge": "waiting on the merge",
  "waiting: dependency": "waiting for a job it depends on",
  "waiting: capacity": "waiting for a free executor",
  "waiting: item failing (fail-fast)": "stopped: the item is failing (fail-fast)",
};

/** Every job name the view mentions (to look up their median durations in one query). */
export function jobNames(view: SchedulerView): string[] {
  const names = new Set<string>();
  for (const p of view.pipelines) for (const q of p.queues) for (const i of q.items) for (const j of i.jobs) names.add(j.job);
  return [...names];
}

/** `medians`: job name → median seconds; `now`: unix seconds. */
export function toStatusJson(view: SchedulerView, medians: ReadonlyMap<string, number>, now: number): StatusJson {
  const etas = jobEtas(view, (job) => medians.get(job) ?? null, now);
  return {
    generatedAt: now,
    running: view.running,
    capacity: view.capacity,
    pipelines: view.pipelines.map((p) => ({
      name: p.name,
      manager: p.manager,
      queues: p.queues.map((q) => {
        const tree = layoutQueue(
          q.items.map((i) => ({ key: i.change.id, ahead: i.itemAhead, failing: i.failing, tested: i.state !== null })),
          p.manager !== "independent",
        );
        const byChange = new Map(q.items.map((i) => [i.change.id, i]));
        const items = tree.map((node) => {
          const item = byChange.get(node.key)!;
          return itemJson(item, medians, etas.get(item.itemId) ?? [], now, {
            ahead: node.parent === null ? null : (byChange.get(node.parent)?.itemId ?? null),
            behind: node.children.map((k) => byChange.get(k)?.itemId ?? 0),
            depth: node.depth,
            branch: node.branch,
          });
        });
        return { name: q.name, window: q.window, items, ...(q.strategy ? { strategy: q.strategy } : {}) };
      }),
    })),
  };
}

function itemJson(
  item: ItemView,
  medians: ReadonlyMap<string, number>,
  etas: readonly (number | null)[],
  now: number,
  place: { ahead: number | null; behind: number[]; depth: number; branch: boolean },
): StatusItem {
  const jobs = item.jobs.map((j, n) => jobJson(j, medians.get(j.job) ?? null, etas[n] ?? null, now));
  const left = jobs.map((j) => j.remaining);
  return {
    id: item.itemId,
    change: changeJson(item),
    enqueuedAt: item.enqueuedAt,
    ...place,
    tested: item.state !== null,
    active: item.active,
    failing: item.failing,
    failingReason: item.failingReason,
    submitting: item.submitting,
    state: item.state,
    jobs,
    remaining: jobs.length === 0 || left.some((r) => r === null) ? null : Math.max(...(left as number[])),
  };
}

function jobJson(j: ItemView["jobs"][number], estimate: number | null, eta: number | null, now: number): StatusJob {
  const state: JobView = j.state;
  const running = state === "running";
  const waiting = state.startsWith("waiting") ? (WAITING[state] ?? state.replace(/^waiting: /, "")) : null;
  const elapsed = j.startedAt === null ? null : Math.max(0, (j.endedAt ?? now) - j.startedAt);
  const buildId = j.buildId === null ? null : String(j.buildId);
  return {
    name: j.job,
    state,
    waiting,
    buildId,
    logUrl: buildId === null ? null : `/builds/${encodeURIComponent(buildId)}`,
    startedAt: j.startedAt,
    endedAt: j.endedAt,
    elapsed,
    estimate,
    remaining: eta,
    progress: running && estimate ? Math.min(1, (elapsed ?? 0) / estimate) : null,
  };
}

function changeJson(item: ItemView): StatusChange {
  // Changes from a source carry their record; others (tests, simulations) only their id.
  const meta = isChangeMeta(item.change.meta) ? item.change.meta : null;
  const id = Number(item.change.id);
  return {
    id: item.change.id,
    number: meta?.number ?? (Number.isSafeInteger(id) ? id : null),
    patchset: meta?.patchset ?? null,
    project: item.change.project,
    branch: item.change.branch,
    owner: meta?.owner ?? "",
    subject: meta?.subject ?? "",
    url: meta?.url ?? "",
  };
}
