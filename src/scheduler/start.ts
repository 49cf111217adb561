import { due } from "./adaptive/measure.ts";
import { failKind, readiness } from "./buildset.ts";
import type { Core } from "./core.ts";
import type { Buildset, Item, QueueState } from "./state.ts";

/**
 * Starts waiting builds strictly in queue order (pipelines in layout order, queues in project order,
 * items from the head, jobs in the project's order) until `capacity` builds run. Only items inside
 * the active window whose merge is done may start builds; a fail-fast item that is failing starts
 * nothing more. Adaptive queues: every item the plan gave a state (the plan already weighed the
 * window and the executors), and hedges only after every main state of every queue.
 */
export function startBuilds(core: Core): void {
  if (core.state.running >= core.capacity) return;
  for (const p of core.layout) {
    for (const { key } of p.queues) {
      const q = core.queues.get(key);
      if (!q) continue;
      if (p.strategy === "adaptive") {
        if (!startAdaptive(core, q)) return;
        continue;
      }
      const limit = p.manager === "independent" || q.window === 0 ? q.items.length : Math.min(q.window, q.items.length);
      // Only items with a buildset can start anything: stop after the last one (the queue may be long).
      let left = q.busy;
      for (let i = 0; i < limit && left > 0; i++) {
        const item = q.items[i]!;
        const bs = item.buildset;
        if (!bs) continue;
        left--;
        if (bs.merge !== "done" || item.submitting || item.depFailing) continue;
        if (!startRuns(core, item, bs)) return;
      }
    }
  }
  startHedges(core);
}

/** Starts the item's waiting builds of `bs` that are ready; false once capacity is reached. */
function startRuns(core: Core, item: Item, bs: Buildset): boolean {
  const pp = core.projectOf(item);
  const jobs = pp?.jobs ?? [];
  if (pp?.failFast && failKind(bs, jobs) !== null) return true;
  for (let j = 0; j < bs.jobs.length; j++) {
    const run = bs.jobs[j]!;
    if (run.status !== "waiting" || readiness(bs, jobs, j) !== "ready") continue;
    if (core.state.running >= core.capacity) return false;
    const buildId = core.state.nextBuildId++;
    run.status = "running";
    run.buildId = buildId;
    run.startedAt = core.now;
    core.state.running++;
    core.builds.set(buildId, item);
    core.emit({
      type: "start-build",
      buildId,
      itemId: item.id,
      pipeline: item.pipeline,
      job: run.name,
      mergeId: bs.mergeId,
      buildsetId: bs.id,
      state: bs.state.slice(),
      ...(bs.covers ? { covers: bs.covers.slice() } : {}),
    });
  }
  return true;
}

/**
 * An adaptive queue's main states, from the head, over every item that has one; none behind a
 * state whose result is due (measure.ts): what it says decides whether they are worth running.
 */
function startAdaptive(core: Core, q: QueueState): boolean {
  let left = q.busy;
  for (let i = 0; i < q.items.length && left > 0; i++) {
    const item = q.items[i]!;
    const bs = item.buildset;
    if (!bs && !item.hedges) continue;
    left--;
    if (bs?.merge !== "done" || item.submitting || item.depFailing) continue;
    if (due(q, bs, core.now)) return true;
    if (!startRuns(core, item, bs)) return false;
  }
  return true;
}

/** Hedges last, in queue order: they use only what the main states left. */
function startHedges(core: Core): void {
  for (const p of core.layout) {
    if (p.strategy !== "adaptive") continue;
    for (const { key } of p.queues) {
      const q = core.queues.get(key);
      if (!q?.adaptive?.hedges) continue;
      let left = q.busy;
      for (let i = 0; i < q.items.length && left > 0; i++) {
        const item = q.items[i]!;
        if (!item.buildset && !item.hedges) continue;
        left--;
        for (const h of item.hedges ?? []) {
          if (h.merge !== "done" || item.submitting || item.depFailing) continue;
          if (!startRuns(core, item, h)) return;
        }
      }
    }
  }
}
