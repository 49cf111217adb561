import { adaptiveOf } from "./measure.ts";
import type { ChainWalk } from "./walk.ts";

/**
 * The chooser (docs/strategy.md): from the measured failure rate and the executors, how many items
 * one state tests (1: plain NNFI, hedged with what is left over; more: a batch, bisected when it
 * fails) and how many states deep the chain of batches goes. A small model of one round (the time
 * of one build) gives, for each batch size and depth, the merges it brings and the builds it
 * wastes; the chooser takes the most merges per round among the choices that waste no more per
 * merge than one state per item on the same executors would. Its figures and reason are kept for
 * the status page.
 */

/** A state is started only when everything ahead of what it tests passes with at least this chance. */
export const USEFUL = 0.1;
/**
 * The first states of a chain of batches test one item each (`Choice.singles`) only from this
 * failure rate: such a state saves a round of bisection when its item fails, which below it is too
 * rare to pay for the state (measured at 2% and 4 executors with the head alone: 11.24 merges/h but
 * 0.068 wasted builds per merge, Zuul 0.066).
 */
const SINGLES_RATE = 0.05;
/** Batch sizes tried. */
const SPANS = [2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32];
/** A batch must beat one state per item by this much to be chosen (batches are slower to report). */
const MARGIN = 1.1;
/**
 * Batches may waste this many times what the model says one state per item wastes on the same
 * executors: a gate that opens new items the moment one merges (Zuul's window) wastes about twice
 * the model, since the failure ahead often comes a moment later; batching must stay below that.
 */
const WASTE_SLACK = 2;
/**
 * Expected wasted builds per expected merge the plan may spend, over everything a queue runs: at
 * least this, and as much as the model says one state per item on the same executors, as deep as
 * USEFUL allows, wastes (what a gate that tests every item of its chain at once would waste; Zuul
 * measures about as much or more in every cell of the grid).
 */
export const WASTE_BUDGET = 1.5;

export interface Choice {
  batch: number;
  /**
   * How many of the first undecided states of the chain test one item each before the batches (a
   * failed one is decided at once, with no round of bisection; deeper in the chain, where a state
   * is less likely to be of use, batches reach further for the same executors).
   */
  singles: number;
  /** How many batch states deep the chain goes (NNFI: the executors and the waste budget decide). */
  depth: number;
  /** Expected merges per round with this choice, and with one state per item. */
  perRound: number;
  nnfi: number;
  /** States the executors allow at once (Infinity: unlimited capacity). */
  probes: number;
  /** Expected wasted builds per expected merge the plan may spend (WASTE_BUDGET or NNFI's model). */
  budget: number;
}

/** How deep a chain of states of `span` items may go: each needs USEFUL odds that all ahead pass. */
export function usefulDepth(span: number, p: number, probes: number): number {
  const qb = (1 - p) ** span;
  if (qb >= 1) return probes;
  if (qb <= 0) return 1;
  return Math.min(probes, 1 + Math.floor(Math.log(USEFUL) / Math.log(qb)));
}

export interface RoundModel {
  /** Merges per round, counting the rounds a failed batch spends being bisected. */
  perRound: number;
  /** Builds wasted per merge: states behind the first failing one, and probes behind a failing probe. */
  waste: number;
}

/**
 * One round of a chain of `depth` states at failure rate `p`, with `probes` states at once: the
 * first `singles` states test one item each, the others `span` each. The chain lands every batch up to the first failing one; the states behind it are wasted. A
 * failed batch of more than one item then spends ceil(log_{k+1} size) rounds being bisected by k
 * probes at once, which land the items ahead of the bad one and waste the probes behind the first
 * failing probe; a failed state of one item is decided at once.
 */
export function roundModel(span: number, p: number, probes: number, depth: number, singles = 0): RoundModel {
  const chain = new Chain(span, p, probes);
  for (let i = 1; i <= depth; i++) chain.add(i <= singles ? 1 : span);
  return chain.model();
}

/** The round model built one state at a time (the chooser tries every depth of a chain as it grows). */
class Chain {
  private landed = 0;
  private doomed = 0;
  /** The chance every state so far passes. */
  all = 1;
  private bisecting = 0; // rounds spent bisecting, expected
  private found = 0; // items landed by bisection, expected
  private probing = 0; // probes wasted in bisection, expected
  private readonly rounds: number;
  private readonly ahead: number;
  private readonly k: number;

  constructor(
    span: number,
    private readonly p: number,
    probes: number,
  ) {
    this.k = Math.max(1, Math.min(span - 1, probes));
    this.rounds = Math.ceil(Math.log(span) / Math.log(this.k + 1));
    this.ahead = span > 1 && p > 0 ? aheadOfBad(span, p) : 0;
  }

  /** Adds a state of `size` items (1 or the span) at the end of the chain. */
  add(size: number): void {
    const pass = (1 - this.p) ** size;
    this.doomed += 1 - this.all;
    const first = this.all * (1 - pass); // this state is the first to fail
    if (size > 1 && this.p > 0) {
      this.bisecting += first * this.rounds;
      this.found += first * this.ahead;
      this.probing += first * this.rounds * ((this.k - 1) / 2);
    }
    this.all *= pass;
    this.landed += size * this.all;
  }

  copy(): Chain {
    return Object.assign(Object.create(Chain.prototype) as Chain, this);
  }

  model(): RoundModel {
    const lands = this.landed + this.found;
    return { perRound: lands / (1 + this.bisecting), waste: (this.doomed + this.probing) / Math.max(lands, 1e-9) };
  }
}

/** Items ahead of the first bad one in a failed batch of `size`: E[j − 1 | a bad one among them]. */
function aheadOfBad(size: number, p: number): number {
  const q = 1 - p;
  let ahead = 0;
  for (let j = 1; j <= size; j++) ahead += (j - 1) * p * q ** (j - 1);
  return ahead / (1 - q ** size);
}

const memo = new Map<string, Choice>();

/**
 * The batch size in use is kept unless another brings this much more per round: the measured rate
 * wanders by a few points around the true one (a memory of 200 decisions), and a chooser that
 * follows it switches between sizes the model rates alike, or back to one state per item after a
 * run of failures (measured on the grid when it was added, before `lead`: 10% / 4 executors 3.75 →
 * 3.79 merges/h, 2% / 4 10.05 → 10.22, 2% / 16 19.12 → 19.37).
 */
const STICK = 1.1;

/**
 * The best batch size and depth for failure rate `p`, `probes` states at once, `waiting` items
 * queued; `current`: the batch size in use (kept when the best is not STICK better); `maxSingles`:
 * at most this many single states before the batches.
 */
export function bestChoice(p: number, probes: number, waiting: number, current = 1, maxSingles = Number.POSITIVE_INFINITY): Choice {
  const rate = Math.round(Math.min(Math.max(p, 0.001), 0.5) * 1000) / 1000;
  const limit = Number.isFinite(probes) ? Math.max(1, Math.floor(probes)) : Number.POSITIVE_INFINITY;
  // Batch only when more items wait than the executors can give a state each (else: latency first).
  const crowded = waiting > limit;
  const key = `${rate}/${limit}/${Math.min(waiting, 64)}/${crowded}/${current}/${maxSingles}`;
  const known = memo.get(key);
  if (known) return known;
  const depth = Math.min(usefulDepth(1, rate, limit), 200);
  const nnfi = roundModel(1, rate, Math.min(limit, 200), depth);
  const budget = Math.max(WASTE_BUDGET, Number.isFinite(nnfi.waste) ? nnfi.waste : 0);
  let best: Choice = { batch: 1, singles: 0, depth, perRound: nnfi.perRound, nnfi: nnfi.perRound, probes: limit, budget };
  let kept = current === 1 ? best : null;
  const allowance = WASTE_SLACK * nnfi.waste;
  // With unlimited executors there is nothing to save: one state per item.
  for (const span of Number.isFinite(limit) && crowded ? SPANS : []) {
    if (span > waiting) break;
    const most = rate >= SINGLES_RATE ? Math.min(limit - 1, 199, maxSingles) : 0;
    // The chain of `singles` single states, grown one at a time; each is then continued with batches.
    const head = new Chain(span, rate, limit);
    // Every state needs USEFUL odds that all ahead of it pass; the chain is at least one batch.
    for (let singles = 0; singles <= most && head.all >= USEFUL; singles++) {
      if (singles > 0) head.add(1);
      const chain = head.copy();
      for (let d = singles + 1; d <= Math.min(limit, 200) && chain.all >= USEFUL; d++) {
        chain.add(span);
        const m = chain.model();
        if (m.waste > allowance + 1e-9) continue;
        const choice = { batch: span, singles, depth: d, perRound: m.perRound, nnfi: nnfi.perRound, probes: limit, budget };
        // Staying with the batch size in use needs no MARGIN over NNFI: only switching to it does.
        if (span === current && (!kept || m.perRound > kept.perRound)) kept = choice;
        if (m.perRound > best.perRound && m.perRound > nnfi.perRound * MARGIN) best = choice;
      }
    }
  }
  if (kept && kept.perRound * STICK >= best.perRound) best = kept;
  if (memo.size > 10_000) memo.clear();
  memo.set(key, best);
  return best;
}

/** Chooses the queue's batch size and depth and records the mode and why. */
export function choose(w: ChainWalk, probes: number): Choice {
  const a = adaptiveOf(w.q);
  const waiting = w.region.length;
  // A change known to be likely bad is ahead: no long run of single states, whose chain would hold
  // it (one state per item goes on without it, walk.ts; a batch of the head alone then batches
  // still pays with few executors).
  const choice =
    waiting <= 1
      ? { batch: 1, singles: 0, depth: 1, perRound: 1, nnfi: 1, probes, budget: WASTE_BUDGET }
      : bestChoice(a.rate, probes, waiting, a.batch, w.presumedAhead ? 1 : undefined);
  const key = `${choice.batch}/${choice.singles}/${choice.depth}/${probes}/${waiting <= 1}/${w.presumedAhead}/${a.rate.toFixed(3)}`;
  if (a.shown === key) return choice;
  a.shown = key;
  a.batch = choice.batch;
  const rate = `failure rate ${(a.rate * 100).toFixed(1)}%`;
  const free = Number.isFinite(probes) ? `${probes} state${probes === 1 ? "" : "s"} at once` : "unlimited executors";
  if (choice.batch > 1) {
    a.mode = "batch";
    const head = choice.singles === 0 ? "" : `, the first ${choice.singles === 1 ? "state" : `${choice.singles} states`} one item each`;
    a.reason = `${rate}, ${free}: batches of ${choice.batch}, ${choice.depth} deep${head} (~${choice.perRound.toFixed(1)} merges per build time vs ~${choice.nnfi.toFixed(1)} one by one)`;
  } else {
    a.mode = "nnfi";
    const why = w.presumedAhead ? ", a change known to be likely bad ahead" : "";
    a.reason = waiting <= 1 ? "one item: plain NNFI" : `${rate}, ${free}${why}: one state per item (~${choice.nnfi.toFixed(1)} merges per build time)`;
  }
  return choice;
}
