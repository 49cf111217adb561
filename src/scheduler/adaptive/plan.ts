import { failKind, isDone } from "../buildset.ts";
import { type Choice, choose, USEFUL } from "./choose.ts";
import { allocate, pruneHedges, sameJobs } from "./hedge.ts";
import { makeState, stateOf } from "./links.ts";
import { due, riskOf } from "./measure.ts";
import type { ChainWalk } from "./walk.ts";

/**
 * What gets a state, after the walk (docs/strategy.md). With a suspect (a failed batch): probes
 * inside it, as many as free executors allow, evenly spread (bisection, k-ary when executors
 * allow). Else the chain is extended: one state per `batch` items, as long as free executors can
 * run it (or it is inside the window: its builds wait, as in Zuul) and everything ahead of it passes
 * with at least USEFUL odds. Then hedges, with what is left.
 */
export function plan(w: ChainWalk): void {
  if (w.region.length === 0) return;
  const core = w.core;
  const jobs = Math.max(1, core.jobsOf(w.region[0]!.item).length);
  const probes = Number.isFinite(core.capacity) ? Math.max(1, Math.floor(core.capacity / jobs)) : Number.POSITIVE_INFINITY;
  const choice = choose(w, probes);
  if ((w.q.adaptive?.hedges ?? 0) > 0) pruneHedges(w, new Map());
  const free = freeBuilds(w);
  const alone = w.uncovered ? w.region.findIndex((s) => s.item === w.uncovered) : -1;
  if (alone >= 0) startState(w, alone, alone);
  if (w.frontier >= 0) {
    bisect(w, free);
    return;
  }
  let end = Math.min(w.region.length, w.stop);
  // With unlimited executors the window (Zuul's AIMD) bounds the chain; else the executors do.
  if (!Number.isFinite(core.capacity) && w.q.window > 0) while (end > 0 && w.region[end - 1]!.pos >= w.q.window) end--;
  let tail = end;
  while (tail > 0 && w.region[tail - 1]!.item.buildset === null) tail--;
  // A result ahead is about to come: what follows depends on it, so wait for it.
  for (let j = 0; j < tail; j++) {
    const bs = w.region[j]!.item.buildset;
    if (bs && due(w.q, bs, core.now)) return;
  }
  if (choice.batch > 1) extend(w, free, choice, tail, end);
  else allocate(w, free, end, Number.isFinite(core.capacity), choice.budget);
}

/** Builds that could start now: capacity minus running minus the ones this queue already waits for. */
function freeBuilds(w: ChainWalk): number {
  const core = w.core;
  if (!Number.isFinite(core.capacity)) return Number.POSITIVE_INFINITY;
  let waiting = 0;
  for (const { item } of w.region) {
    for (const bs of item.hedges ? [item.buildset, ...item.hedges] : [item.buildset]) {
      if (!bs || bs.merge === "conflict" || bs.merge === "error") continue;
      for (const run of bs.jobs) if (run.status === "waiting") waiting++;
    }
  }
  return core.capacity - core.state.running - waiting;
}

/** A state for region item `to`, testing on behalf of the riders from `from` to it. */
function startState(w: ChainWalk, from: number, to: number): void {
  const slot = w.region[to]!;
  const covers = w.region.slice(from, to + 1).map((s) => s.item.change.id);
  makeState(w.core, slot.item, { ahead: slot.ahead, changes: stateOf(w.chain, slot), covers });
}

/**
 * The chance that every item of the region before index `end` that is not yet proven (by a passed
 * state) is good: a state past them is useful only then.
 */
function passOdds(w: ChainWalk, end: number): number {
  let odds = 1;
  let segment = 1;
  for (let i = 0; i < end; i++) {
    const item = w.region[i]!.item;
    segment *= 1 - riskOf(w.q, item);
    const bs = item.buildset;
    if (!bs) continue;
    const passed = isDone(bs) && failKind(bs, w.core.jobsOf(item)) === null;
    if (!passed) odds *= segment;
    segment = 1;
  }
  return odds * segment;
}

/**
 * Batches: one state per `batch` items from `from` (one per item while fewer than `singles`
 * undecided states are ahead), while executors are free (or inside the window), at most `depth` of
 * them still to pass.
 */
function extend(w: ChainWalk, free: number, choice: Choice, from: number, end: number): void {
  const batch = choice.batch;
  const window = w.q.window === 0 ? Number.POSITIVE_INFINITY : w.q.window;
  let pending = 0;
  for (let j = 0; j < from; j++) {
    const { item } = w.region[j]!;
    if (item.buildset && !(isDone(item.buildset) && failKind(item.buildset, w.core.jobsOf(item)) === null)) pending++;
  }
  let i = from;
  let odds = i < end ? passOdds(w, i) : 0;
  while (i < end && odds >= USEFUL && pending < choice.depth) {
    // A batch holds items that run the same jobs: its pass answers for each of them.
    // The first undecided states of the chain test one item each (choice.singles).
    const span = pending < choice.singles ? 1 : batch;
    let last = i;
    while (last + 1 < Math.min(i + span, end) && sameJobs(w, w.region[last + 1]!.item, w.region[i]!.item)) last++;
    const jobs = w.core.jobsOf(w.region[last]!.item).length;
    const idle = free >= 1;
    // A short batch only to keep executors busy, and only at the end of the queue.
    const cut = last + 1 < end && last - i + 1 < span; // cut short by other jobs
    if (last - i + 1 < span && !cut && !(idle && end === w.region.length && w.complete)) break;
    if (w.region[last]!.pos >= window && !idle) break;
    startState(w, i, last);
    pending++;
    free -= jobs;
    for (let j = i; j <= last; j++) odds *= 1 - riskOf(w.q, w.region[j]!.item);
    i = last + 1;
  }
}

function bisect(w: ChainWalk, free: number): void {
  const f = w.frontier;
  let s = f;
  while (s > 0 && w.region[s - 1]!.item.buildset === null) s--;
  const riders = f - s;
  if (riders === 0) return;
  const jobs = Math.max(1, w.core.jobsOf(w.region[f]!.item).length);
  const k = Math.min(riders, Number.isFinite(free) ? Math.max(free >= 1 ? 1 : 0, Math.floor(free / jobs)) : riders);
  const span = riders + 1;
  let prev = s - 1;
  for (let j = 1; j <= k; j++) {
    const at = s + Math.ceil((j * span) / (k + 1)) - 1;
    if (at <= prev || at >= f) continue;
    startState(w, prev + 1, at);
    prev = at;
  }
}
