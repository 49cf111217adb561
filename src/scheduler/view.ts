import { failKind, readiness } from "./buildset.ts";
import type { Core } from "./core.ts";
import type { Item, JobRun } from "./state.ts";
import type { Change, JobStatus } from "./types.ts";

export type JobView =
  | "waiting: outside window"
  | "waiting: merge"
  | "waiting: dependency"
  | "waiting: capacity"
  | "waiting: item failing (fail-fast)"
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
  jobs: { job: string; state: JobView; buildId: number | null; startedAt: number | null; endedAt: number | null }[];
}

export interface QueueView {
  name: string;
  window: number;
  items: ItemView[];
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
        return { name: q.name, window: q.window, items: q.items.map((item, i) => itemView(core, item, i < limit)) };
      }),
    })),
  };
}

function itemView(core: Core, item: Item, active: boolean): ItemView {
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
    jobs: runs.map((run, j) => {
      let state: JobView;
      if (run.status !== "waiting") state = run.status;
      else if (!active || !bs) state = "waiting: outside window";
      else if (bs.merge !== "done") state = "waiting: merge";
      else if (failFastStop) state = "waiting: item failing (fail-fast)";
      else if (readiness(bs, jobs, j) !== "ready") state = "waiting: dependency";
      else state = "waiting: capacity";
      return { job: run.name, state, buildId: run.buildId, startedAt: run.startedAt, endedAt: run.endedAt };
    }),
  };
}
