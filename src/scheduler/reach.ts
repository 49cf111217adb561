import { readiness } from "./buildset.ts";
import type { Core } from "./core.ts";
import type { ResolvedPipeline } from "./layout.ts";
import type { Item } from "./state.ts";

/**
 * Lazy merging (issue 16). A speculative merge is real git work and is thrown away by every reset,
 * so the `zuul` strategy asks for one only for items whose builds can start soon. Walking a queue
 * from the head, its *demand* is the builds its items could still start (`demandOf`); an item
 * inside the window gets its merge while the demand ahead of it is below
 *
 *   reach + free,   reach = capacity + lead,   lead = the most jobs one item of the queue runs
 *
 * `capacity` covers the builds that could start with the executors free now plus those the builds
 * running ahead will free (each frees one); the lead is one more item's builds, so that an item's
 * merge is asked for a whole build ahead of the executor it will get: when the items ahead start
 * theirs. `free` (executors idle during the walk) counts the builds of items ahead that start with
 * this very event (after the walk, start.ts) and still look waiting. Items beyond get their merge as
 * the items ahead start builds. With unlimited capacity the reach is unlimited: every item in the
 * window gets its merge at once, as before. Check pipelines merge every item at once (walk.ts).
 *
 * Bound: an item with a pending merge counts at least 1, and nothing ahead of it gains a pending
 * merge without resetting it, so a queue never has more than 2 × capacity + lead merges
 * outstanding, and a failure at the head re-merges at most that many items, however long the queue.
 */
export function queueReach(p: ResolvedPipeline, queueKey: string, capacity: number): number {
  if (!Number.isFinite(capacity)) return Number.POSITIVE_INFINITY;
  let lead = 1;
  for (const pp of p.projects.values()) if (pp.queueKey === queueKey) lead = Math.max(lead, pp.jobs.length);
  return Math.ceil(capacity) + lead;
}

/**
 * The builds the item could start now, as far as executors go: the jobs it would start first
 * (those that wait for no other job) when it has no state yet or its merge is pending, its waiting
 * jobs whose dependencies succeeded when its merge is done; at least 1 while its merge is pending
 * or not asked for (an item with no jobs still needs its merge); none when it will start nothing
 * more (submitting, failing because of a dependency, a failed merge, failing with fail-fast).
 * A job waiting for another job is not counted: the items behind use the executors meanwhile.
 */
export function demandOf(core: Core, item: Item): number {
  if (item.submitting || item.depFailing) return 0;
  const bs = item.buildset;
  const jobs = core.jobsOf(item);
  if (!bs || bs.merge === "pending") {
    let roots = 0;
    for (const j of jobs) if (j.deps.length === 0) roots++;
    return Math.max(1, roots);
  }
  if (bs.merge !== "done") return 0;
  if (item.failing && core.projectOf(item)?.failFast) return 0;
  let ready = 0;
  for (let j = 0; j < bs.jobs.length; j++) if (bs.jobs[j]!.status === "waiting" && readiness(bs, jobs, j) === "ready") ready++;
  return ready;
}
