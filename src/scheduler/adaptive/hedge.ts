import { failKind, isDone } from "../buildset.ts";
import type { Buildset, Item } from "../state.ts";
import { USEFUL } from "./choose.ts";
import { makeState, stateOf } from "./links.ts";
import { adaptiveOf, riskOf } from "./measure.ts";
import type { ChainWalk } from "./walk.ts";

/**
 * One state per item, and hedges (docs/strategy.md). Every state is worth the merges it is
 * expected to bring and costs the builds it is expected to waste. A main state for the next item
 * of the chain brings that item when everything ahead passes; a hedge (the chain up to an item X
 * behind a risky item R, without R) brings the items from R to X when R is the first to fail and
 * nothing else between does. Candidates are taken by waste per merge, cheapest first, while free
 * executors last, each is useful with at least USEFUL odds, and the whole (running states
 * included) expects at most the chooser's budget of wasted builds per merge (choose.ts).
 */

/** A hedge reaches this many items past R at most. */
const REACH = 20;

interface Candidate {
  /** Region index of the item whose state it is. */
  at: number;
  /** Region index of the item a hedge leaves out (undefined: a main state). */
  without?: number;
  value: number;
  waste: number;
}

function passed(w: ChainWalk, item: Item, bs: Buildset | null): boolean {
  return bs !== null && isDone(bs) && failKind(bs, w.core.jobsOf(item)) === null;
}

/** The item has a state of its own whose result is still to come: a hedge around it can help. */
function pending(w: ChainWalk, item: Item): boolean {
  return item.buildset !== null && !passed(w, item, item.buildset);
}

/** Same jobs (names and voting) as `other`: one's passing state answers for the other's. */
export function sameJobs(w: ChainWalk, a: Item, b: Item): boolean {
  const x = w.core.projectOf(a);
  const y = w.core.projectOf(b);
  if (x === y) return true;
  if (!x || !y || x.jobs.length !== y.jobs.length) return false;
  return x.jobs.every((j, i) => j.name === y.jobs[i]!.name && j.voting === y.jobs[i]!.voting);
}

/** odds[i]: the chance every item before region index i that no passed state proves is good. */
function oddsAlong(w: ChainWalk, risk: number[]): number[] {
  const odds = [1];
  let proven = 1; // odds up to the last owner
  let segment = 1;
  for (let i = 0; i < w.region.length; i++) {
    const { item, presumed } = w.region[i]!;
    // A presumed-bad item is not in the states behind it: it does not lower their odds.
    if (presumed) {
      odds.push(proven * segment);
      continue;
    }
    segment *= 1 - risk[i]!;
    if (item.buildset) {
      proven *= passed(w, item, item.buildset) ? 1 : segment;
      segment = 1;
    }
    odds.push(proven * segment);
  }
  return odds;
}

/** Change id → region index. */
function indexRegion(w: ChainWalk, index: Map<string, number>): void {
  for (let i = 0; i < w.region.length; i++) index.set(w.region[i]!.item.change.id, i);
}

/** Drops hedges that can no longer be of use: R passed or left, or the item's own state passed. */
export function pruneHedges(w: ChainWalk, index: Map<string, number>): void {
  for (const { item } of w.region) {
    if (!item.hedges) continue;
    if (index.size === 0) indexRegion(w, index);
    const keep = item.hedges.filter((h) => {
      const r = index.get(h.without!);
      return r !== undefined && pending(w, w.region[r]!.item) && !passed(w, item, item.buildset);
    });
    if (keep.length === item.hedges.length) continue;
    for (const h of item.hedges) if (!keep.includes(h)) w.core.discard(item, h, true);
    if (keep.length > 0) item.hedges = keep;
    else delete item.hedges;
    w.core.settleBusy(item, true);
    w.changed = true;
  }
}

/**
 * Plans main states (one per item) and hedges within the free executors and the waste budget.
 * `hedging`: false with unlimited capacity (there are no idle executors to use, only a bill).
 */
export function allocate(w: ChainWalk, free: number, end: number, hedging: boolean, budget: number): void {
  free = presumedFirst(w, free, end);
  if (free < 1 && !w.q.adaptive?.hedges) return; // nothing can start: keep what runs
  const index = new Map<string, number>();
  indexRegion(w, index);
  const risk = w.region.map((s) => riskOf(w.q, s.item));
  const odds = oddsAlong(w, risk);
  const now = account(w, risk, odds, index);
  const mains: Candidate[] = [];
  for (let i = now.last + 1; i < end && odds[i]! >= USEFUL; i++) {
    // A presumed-bad item must be tested by itself to be decided: it goes first.
    const presumed = w.region[i]!.presumed;
    mains.push({ at: i, value: presumed ? 1 : odds[i]! * (1 - risk[i]!), waste: presumed ? 0 : 1 - odds[i]! });
  }
  const hedges: Candidate[] = [];
  const reach = bestReach(adaptiveOf(w.q).rate);
  for (let r = 0; hedging && r <= now.last; r++) {
    const item = w.region[r]!.item;
    if (!pending(w, item) || w.region[r]!.presumed || (item.buildset!.covers?.length ?? 1) > 1) continue;
    const from = now.deepest.get(r) ?? r;
    const x = hedgeOwner(w, r, Math.min(now.last, r + reach));
    if (x <= from) continue;
    const c = hedgeOf(risk, odds, r, x, from);
    if (1 - c.waste >= USEFUL / 2) hedges.push(c); // it lands something with at least USEFUL/2 odds
  }
  hedges.sort((a, b) => ratio(a) - ratio(b));
  now.running.sort((a, b) => b.value - a.value); // the least worth last: reclaimed first
  take(w, mains, hedges, { free, value: now.value, waste: now.waste, limit: budget }, now.running);
  adaptiveOf(w.q).hedges = w.region.reduce((n, s) => n + (s.item.hedges?.length ?? 0), 0);
}

/** Nobody else tests a presumed-bad item (the states behind leave it out): one with states behind it gets its own. */
function presumedFirst(w: ChainWalk, free: number, end: number): number {
  let lastState = -1;
  for (let i = 0; i < end; i++) if (w.region[i]!.item.buildset) lastState = i;
  for (let i = 0; i < lastState; i++) {
    if (!w.region[i]!.presumed || w.region[i]!.item.buildset) continue;
    startMain(w, i);
    free -= Math.max(1, w.core.jobsOf(w.region[i]!.item).length);
  }
  return free;
}

/** What the states that exist are expected to bring and waste, the last item with a state, the hedges. */
function account(w: ChainWalk, risk: number[], odds: number[], index: Map<string, number>) {
  let value = 0;
  let waste = 0;
  let last = -1;
  // R's region index → the deepest item already hedged without R: a deeper hedge adds the items past it.
  const deepest = new Map<number, number>();
  const running: Running[] = [];
  for (let i = 0; i < w.region.length; i++) {
    const item = w.region[i]!.item;
    const jobs = Math.max(1, w.core.jobsOf(item).length);
    for (const h of item.hedges ?? []) {
      const r = index.get(h.without!);
      if (r === undefined) continue;
      const c = hedgeOf(risk, odds, r, i, deepest.get(r) ?? r);
      value += c.value;
      waste += jobs * c.waste;
      deepest.set(r, i);
      running.push({ item, h, value: c.value, waste: jobs * c.waste });
    }
    if (!item.buildset) continue;
    last = i;
    if (passed(w, item, item.buildset)) continue;
    value += odds[i + 1]!;
    waste += jobs * (1 - odds[i]!);
  }
  return { value, waste, last, deepest, running };
}

/**
 * The item a hedge past region index r is for: the furthest up to `far` whose own state is still to
 * come, with every item between running the same jobs (its pass then lands them all); -1: none.
 */
function hedgeOwner(w: ChainWalk, r: number, far: number): number {
  let x = -1;
  for (let i = r + 1; i <= far; i++) {
    const item = w.region[i]!.item;
    if (!sameJobs(w, item, w.region[r + 1]!.item)) break;
    if (pending(w, item)) x = i;
  }
  return x;
}

/** How far past R a hedge should reach, at failure rate p behind it: m maximising m * (1 - p)^m, about 1/p. */
function bestReach(p: number): number {
  return Math.max(1, Math.min(REACH, Math.round(1 / Math.max(p, 1 / REACH))));
}

/**
 * The hedge for the item at region index `x` without the one at `r`: it lands the items past `from`
 * (R, or the deepest item already hedged without R) when R is the first of the chain to fail and
 * every item from R to x is good.
 */
function hedgeOf(risk: number[], odds: number[], r: number, x: number, from: number): Candidate {
  let between = 1;
  for (let i = r + 1; i <= x; i++) between *= 1 - risk[i]!;
  const lands = odds[r]! * risk[r]! * between;
  return { at: x, without: r, value: lands * (x - from), waste: 1 - lands };
}

function ratio(c: Candidate): number {
  return c.waste / Math.max(c.value, 1e-9);
}

/** Takes candidates, cheapest waste per merge first (main states in chain order), within the limits. */
function take(w: ChainWalk, mains: Candidate[], hedges: Candidate[], budget: Budget, running: Running[]): void {
  let m = 0;
  let h = 0;
  for (;;) {
    const main = mains[m];
    const hedge = hedges[h];
    const next = main && (!hedge || ratio(main) <= ratio(hedge)) ? main : hedge;
    if (!next) return;
    const jobs = Math.max(1, w.core.jobsOf(w.region[next.at]!.item).length);
    const waste = budget.waste + jobs * next.waste;
    const value = budget.value + next.value;
    if (waste > budget.limit * value && budget.value > 0) return;
    // Hedges never delay a main state: the least worth one gives its executors back.
    while (next === main && budget.free < 1 && running.length > 0) reclaim(w, running.pop()!, budget);
    // A state's builds start one by one: one free executor is enough to begin.
    if (budget.free < 1) return;
    budget.free -= jobs;
    budget.waste = waste;
    budget.value = value;
    if (next === main) {
      m++;
      startMain(w, next.at);
    } else {
      h++;
      startHedge(w, next.without!, next.at);
    }
  }
}

interface Budget {
  free: number;
  /** Expected wasted builds per expected merge allowed (the chooser's budget). */
  limit: number;
  value: number;
  waste: number;
}

/** A hedge that runs, with what it is worth and costs. */
interface Running {
  item: Item;
  h: Buildset;
  value: number;
  waste: number;
}

function reclaim(w: ChainWalk, r: Running, budget: Budget): void {
  const hedges = r.item.hedges?.filter((x) => x !== r.h) ?? [];
  if (hedges.length > 0) r.item.hedges = hedges;
  else delete r.item.hedges;
  w.core.settleBusy(r.item, true);
  for (const run of r.h.jobs) if (run.status === "running" || run.status === "waiting") budget.free++;
  w.core.discard(r.item, r.h, true);
  budget.value -= r.value;
  budget.waste -= r.waste;
  w.changed = true;
}

function startMain(w: ChainWalk, at: number): void {
  const slot = w.region[at]!;
  makeState(w.core, slot.item, { ahead: slot.ahead, changes: stateOf(w.chain, slot), covers: [slot.item.change.id] });
}

function startHedge(w: ChainWalk, r: number, x: number): void {
  const slot = w.region[x]!;
  const skip = w.region[r]!.item;
  const changes = stateOf(w.chain, slot).filter((c) => c.id !== skip.change.id);
  const covers = w.region.slice(r + 1, x + 1).map((s) => s.item.change.id);
  makeState(w.core, slot.item, { ahead: slot.ahead, changes, covers, without: skip.change.id });
}
