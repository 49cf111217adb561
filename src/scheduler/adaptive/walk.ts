import { failKind, isDone } from "../buildset.ts";
import type { Core } from "../core.ts";
import type { ResolvedPipeline } from "../layout.ts";
import type { Item, QueueState } from "../state.ts";
import type { Change } from "../types.ts";
import { dependencyFailing, failure } from "../verdict.ts";
import { checkLink } from "./links.ts";
import { adaptiveOf, failed, riskOf } from "./measure.ts";
import { plan } from "./plan.ts";

/** A non-failing, not yet submitting item of the chain, as the plan sees it. */
export interface Slot {
  item: Item;
  /** Chain length with the item: its state is `chain.slice(0, at)`. */
  at: number;
  /** Its position in the queue (the window counts positions). */
  pos: number;
  /** The chain item just ahead of it (null: the branch tip). */
  ahead: Item | null;
  /**
   * Presumed bad (its risk is at least PRESUMED_BAD, its own state has not passed): it gets a state
   * of its own, but the chain behind it goes on without it, as if it had failed. If it passes after
   * all, the items behind are retested with it (Zuul's optimism, turned around for likely failures).
   */
  presumed: boolean;
}

/** A change at least this likely to fail is left out of the chain behind it until it passes. */
export const PRESUMED_BAD = 0.5;

/** One pass of the adaptive walk over a queue. */
export interface ChainWalk {
  core: Core;
  p: ResolvedPipeline;
  q: QueueState;
  /** The non-failing items so far (submitting ones included), in queue order. */
  chain: Change[];
  nnfi: Item | null;
  region: Slot[];
  /** Region index of the suspect: a failed state with riders (a batch), to bisect; -1 when none. */
  frontier: number;
  /** Region index from which nothing new is planned: behind a failure not yet pinned on its item. */
  stop: number;
  /** The walk saw every item of the queue (nothing left behind the region). */
  complete: boolean;
  /** A rider at the head that the passing state behind it cannot land (other jobs): test it alone. */
  uncovered: Item | null;
  /**
   * A change of the region is known (its own `risk`) to be at least PRESUMED_BAD: the chooser keeps
   * one state per item, which goes on without it; a batch holding it would fail and be bisected.
   */
  presumedAhead: boolean;
  changed: boolean;
}

type Status = "rider" | "pending" | "passed" | "failing" | "suspect" | "doomed";

/**
 * The adaptive strategy's NNFI (docs/strategy.md). Like Zuul's walk, from the head, keeping the
 * chain of non-failing items; unlike it, a failed state is pinned on its item only when everything
 * else in it is tested on its own (else it is a suspect: a batch to bisect, and the items behind it
 * wait), and a passing state lands the items ahead of it that it holds, one submit at a time, in
 * queue order. What gets a state is the plan's choice (plan.ts), after the walk.
 */
export function walkAdaptive(core: Core, p: ResolvedPipeline, q: QueueState): boolean {
  const w: ChainWalk = { core, p, q, chain: [], nnfi: null, region: [], frontier: -1, stop: Number.POSITIVE_INFINITY, complete: true, uncovered: null, presumedAhead: false, changed: false };
  const lead = { item: null as Item | null, blocked: false, done: false };
  const window = q.window === 0 ? Number.POSITIVE_INFINITY : q.window;
  const batch = adaptiveOf(q).batch;
  const reach = Number.isFinite(core.capacity) ? Math.ceil(core.capacity) * batch + 1 : 0;
  let seenBusy = 0;
  let idle = 0;
  let hold = false; // a presumed-bad item is ahead, undecided
  for (let i = 0; i < q.items.length; i++) {
    const item = q.items[i]!;
    // Past the window, idle items need nothing until the plan reaches them: stop once enough were seen.
    const busy = item.buildset !== null || item.hedges !== undefined;
    if (i >= window && !busy && seenBusy >= q.busy && idle >= reach) {
      w.complete = false;
      break;
    }
    if (item.submitting) {
      if (busy) seenBusy++;
      advance(w, item);
      continue;
    }
    if (dependencyStep(w, item)) continue;
    if (checkLink(core, item, w.nnfi, w.chain)) w.changed = true;
    const status = classify(w, item);
    if (item.buildset || item.hedges) seenBusy++;
    else idle++;
    if (status === "failing") {
      if (w.nnfi === null && !hold && isDone(item.buildset!)) {
        reportFailure(w, item);
        seenBusy--;
        i--;
      }
      continue;
    }
    if (w.nnfi === null && !hold) {
      lead.item = item;
      lead.blocked = false;
    }
    const likelyBad = (status === "rider" || status === "pending") && riskOf(q, item) >= PRESUMED_BAD;
    if (likelyBad && typeof item.change.risk === "number") w.presumedAhead = true;
    const presumed = likelyBad && batch === 1;
    // Nothing behind a presumed-bad item holds it: nothing behind it is decided before it is.
    if (status === "suspect" || (presumed && lead.item === item)) lead.blocked = true;
    if (presumed) hold = true;
    w.region.push({ item, at: w.chain.length + 1, pos: i, ahead: w.nnfi, presumed });
    if (!presumed) advance(w, item);
    if (status === "passed" && lead.item && !lead.blocked && !lead.done) {
      if (covered(core, lead.item, item)) {
        if (lead.item !== item && (lead.item.buildset || lead.item.hedges)) seenBusy--;
        land(w, lead.item, item);
      } else if (!lead.item.buildset) w.uncovered = lead.item; // it needs a state of its own
      lead.done = true;
    }
  }
  // Plan once the chain is settled (a pass that changed something is followed by another one).
  if (!w.changed) plan(w);
  return w.changed;
}

function advance(w: ChainWalk, item: Item): void {
  w.nnfi = item;
  w.chain.push(item.change);
}

/** FORMAT.md Depends-On: a dependent of a failing item is failing at once (builds cancelled, no reset). */
function dependencyStep(w: ChainWalk, item: Item): boolean {
  const depFailing = dependencyFailing(w.core, item);
  if (depFailing !== item.depFailing) {
    item.depFailing = depFailing;
    w.changed = true;
    if (depFailing) {
      w.core.dropBuildset(item, false);
      w.core.dropHedges(item);
    }
  }
  if (!item.depFailing) return false;
  item.failing = true;
  item.forceReset = false;
  return true;
}

/**
 * A failed state is pinned on its item (failing, Zuul's optimism: the rest is tested on its own)
 * when the chain item ahead has a state of its own or is the branch tip; else the failure may be any
 * of its riders' (a suspect, bisected). Behind a suspect every state holds the bad change too: they
 * are doomed, and dropped so the executors bisect instead.
 */
function classify(w: ChainWalk, item: Item): Status {
  const core = w.core;
  const bs = item.buildset;
  item.failing = false;
  if (w.frontier >= 0) {
    const passed = bs !== null && isDone(bs) && failKind(bs, core.jobsOf(item)) === null;
    if (bs && !passed) {
      core.dropBuildset(item, !bs.used);
      w.changed = true;
    }
    if (item.hedges) {
      core.dropHedges(item);
      w.changed = true;
    }
    return "doomed";
  }
  if (!bs) return "rider";
  if (failKind(bs, core.jobsOf(item)) === null) return isDone(bs) ? "passed" : "pending";
  const ahead = w.nnfi;
  if (ahead === null || ahead.submitting || ahead.buildset !== null) {
    item.failing = true;
    // Pinned only because a probe ahead is still running: plan nothing behind it until it is sure.
    if ((bs.covers?.length ?? 1) > 1 && w.stop === Number.POSITIVE_INFINITY) w.stop = w.region.length;
    return "failing";
  }
  bs.used = true;
  w.frontier = w.region.length;
  return "suspect";
}

function reportFailure(w: ChainWalk, item: Item): void {
  const kind = failKind(item.buildset!, w.core.jobsOf(item))!;
  const [result, reason] = failure(kind, item);
  w.core.report(item, result, reason);
  failed(w.core, w.p, w.q, kind !== "error");
  w.core.remove(item, false);
  w.changed = true;
}

/**
 * Whether `owner`'s passing buildset answers for the lead: it ran every voting job the lead's
 * project runs and none failed (a skipped one counts as it would for the lead itself, as in Zuul).
 */
function covered(core: Core, lead: Item, owner: Item): boolean {
  if (lead === owner) return true;
  const ok = new Set<string>();
  const jobs = core.jobsOf(owner);
  owner.buildset!.jobs.forEach((run, i) => {
    if ((run.status === "SUCCESS" || run.status === "SKIPPED") && jobs[i]?.voting) ok.add(run.name);
  });
  return core.jobsOf(lead).every((j) => !j.voting || ok.has(j.name));
}

/**
 * Merge what it holds: `owner`'s state passed and holds every item from the lead to it. The lead is
 * reported now (its own builds, if any, are cancelled); the next one after its submit-done, so a
 * refused submit stops the group before anything behind it lands untested.
 */
function land(w: ChainWalk, lead: Item, owner: Item): void {
  const core = w.core;
  if (lead !== owner) core.dropBuildset(lead, false);
  core.dropHedges(lead);
  const reason = lead === owner ? "every voting job succeeded" : `every voting job succeeded on the state of ${owner.change.id}, which holds it`;
  core.report(lead, 1, reason, true, true, { bs: owner.buildset!, owner });
  lead.submitting = true;
  w.changed = true;
}
