import type { QueueView, SchedulerView } from "../scheduler/index.ts";

/**
 * Estimated seconds until each job of each item is done, counting what must finish before it can
 * start: a job waiting for a free executor waits for the builds ahead of it to free one, and an item
 * outside the active window waits until the item `window` places ahead of it has left the queue.
 *
 * The model follows the scheduler's rules (docs/web.md "ETAs"): builds get executors strictly in
 * queue order (pipelines in layout order, items from the head, jobs in the item's order), so the
 * jobs that are ready now take the executors first, in that order, then the jobs that become ready
 * later (outside the window, waiting for a job they depend on). An item of a dependent queue leaves
 * once its jobs are done and every item ahead of it has left. Pure: the estimates (medians of past
 * builds) and the clock come in; unknown anywhere (no history) makes what depends on it unknown.
 */

/** Per job of each item: seconds until it is done (0: finished; null: unknown). */
export type JobEtas = Map<number, (number | null)[]>;

/** `estimate(job)`: the job's usual duration (seconds) or null; `now`: unix seconds. */
export function jobEtas(view: SchedulerView, estimate: (job: string) => number | null, now: number): JobEtas {
  const queues = view.pipelines.flatMap((p) => p.queues.map((q) => ({ q, ordered: p.manager !== "independent" })));
  const etas: JobEtas = new Map();
  const running: (number | null)[] = [];
  for (const { q } of queues) {
    for (const item of q.items) {
      etas.set(
        item.itemId,
        item.jobs.map((j) => {
          if (j.state !== "running") return j.state.startsWith("waiting") ? NOT_YET : 0;
          const e = estimate(j.job);
          const left = e === null ? null : Math.max(0, e - Math.max(0, now - (j.startedAt ?? now)));
          running.push(left);
          return left;
        }),
      );
    }
  }
  const slots = new Slots(view.capacity, view.running, running);
  // The jobs ready now, in queue order: they take the executors first.
  for (const { q } of queues) {
    for (const item of q.items) {
      const jobs = etas.get(item.itemId)!;
      item.jobs.forEach((j, n) => {
        if (j.state === "waiting: capacity" || j.state === "waiting: merge") jobs[n] = slots.take(0, estimate(j.job));
      });
    }
  }
  // Then the jobs that become ready later, again in queue order (an item's entry into the window
  // depends only on the items ahead of it, already estimated).
  for (const { q, ordered } of queues) laterJobs(q, ordered, etas, slots, estimate);
  return etas;
}

/** A placeholder for a job not estimated yet. */
const NOT_YET = -1;

function laterJobs(q: QueueView, ordered: boolean, etas: JobEtas, slots: Slots, estimate: (job: string) => number | null): void {
  const left: (number | null)[] = []; // when each item leaves the queue, by index
  q.items.forEach((item, k) => {
    const jobs = etas.get(item.itemId)!;
    // Outside the window: it starts once the item `window` places ahead has left (as if the window stayed).
    const ready = item.active || !ordered || q.window === 0 || k < q.window ? 0 : left[k - q.window]!;
    item.jobs.forEach((j, n) => {
      if (jobs[n] !== NOT_YET) return;
      if (j.state === "waiting: item failing (fail-fast)") {
        jobs[n] = null; // it will not run: nothing to estimate
        return;
      }
      // A job waiting for one it depends on starts once the item's jobs estimated so far are done.
      const after = j.state === "waiting: dependency" ? latest(jobs.filter((e, i) => i !== n && e !== NOT_YET)) : 0;
      jobs[n] = slots.take(ready === null || after === null ? null : Math.max(ready, after), estimate(j.job));
    });
    const done = latest(jobs);
    const ahead = k === 0 ? 0 : left[k - 1]!;
    left.push(!ordered ? done : done === null || ahead === null ? null : Math.max(done, ahead));
  });
}

/** The latest of the times (0 for none); null when any is unknown. */
function latest(times: (number | null)[]): number | null {
  let max = 0;
  for (const t of times) {
    if (t === null) return null;
    max = Math.max(max, t);
  }
  return max;
}

/**
 * The executors, as the time (seconds from now) each becomes free; null: busy for an unknown time.
 * Without a capacity every build starts when it is ready.
 */
class Slots {
  private readonly free: (number | null)[] | null;

  /** `runningLeft`: what is left of the builds shown running; `running` may count more (e.g. hedges). */
  constructor(capacity: number | null, running: number, runningLeft: (number | null)[]) {
    if (capacity === null) {
      this.free = null;
      return;
    }
    this.free = [...runningLeft];
    while (this.free.length < running) this.free.push(null);
    while (this.free.length < capacity) this.free.push(0);
  }

  /** A build ready at `ready` (null: unknown) lasting `duration`: when it is done, in seconds from now. */
  take(ready: number | null, duration: number | null): number | null {
    if (this.free === null) return ready === null || duration === null ? null : ready + duration;
    if (this.free.length === 0) return null; // no executor at all: it never starts
    const i = this.earliest();
    const at = this.free[i]!;
    const end = ready === null || at === null || duration === null ? null : Math.max(ready, at) + duration;
    this.free[i] = end;
    return end;
  }

  /** The executor free first; one busy for an unknown time only when every one is. */
  private earliest(): number {
    const free = this.free!;
    let best = -1;
    for (let i = 0; i < free.length; i++) {
      const t = free[i];
      if (t !== null && t !== undefined && (best < 0 || t < free[best]!)) best = i;
    }
    return Math.max(0, best);
  }
}
