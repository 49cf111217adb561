import { newRuns } from "../buildset.ts";
import type { Core } from "../core.ts";
import type { Buildset, Item } from "../state.ts";
import type { Change } from "../types.ts";
import type { Slot } from "./walk.ts";

/**
 * The adaptive strategy's states. Every item of the chain (the non-failing items, in queue order)
 * has a link: the item ahead of it and that item's token. A state made on an older token is stale,
 * like Zuul's buildset made on an older buildset of the item ahead; unlike Zuul, an item may have no
 * state of its own (it rides in the batch of an item behind it) or two (a hedge beside it).
 */

/** The state of a region item: the chain up to it (a presumed-bad item is not in the chain itself). */
export function stateOf(chain: readonly Change[], slot: Slot): Change[] {
  return slot.presumed ? [...chain.slice(0, slot.at - 1), slot.item.change] : chain.slice(0, slot.at);
}

function nextToken(core: Core): number {
  core.state.nextLinkId ??= 1;
  return core.state.nextLinkId++;
}

export interface StateSpec {
  /** The chain item just ahead (null: the branch tip); for the view's "item ahead". */
  ahead: Item | null;
  /** The state, in merge order, ending with the item. */
  changes: Change[];
  /** Change ids it tests on behalf of: the item, or a batch ending with it. */
  covers: string[];
  /** A hedge: the change left out of the state. */
  without?: string;
}

/** Makes a state for `item` (its main one, or a hedge beside it) and asks for its merge. */
export function makeState(core: Core, item: Item, spec: StateSpec): Buildset {
  const bs: Buildset = {
    id: core.state.nextBuildsetId++,
    mergeId: core.state.nextMergeId++,
    merge: "pending",
    mergeReason: null,
    aheadItem: spec.ahead?.id ?? null,
    aheadBuildset: spec.ahead?.buildset?.id ?? null,
    state: spec.changes.map((c) => c.id),
    jobs: newRuns(core.jobsOf(item)),
    covers: spec.covers,
  };
  if (item.link) bs.link = item.link.token;
  core.merges.set(bs.mergeId, item);
  const before = item.buildset !== null || item.hedges !== undefined;
  if (spec.without === undefined) {
    item.buildset = bs;
  } else {
    bs.without = spec.without;
    bs.base = core.state.merged.length;
    item.hedges = [...(item.hedges ?? []), bs];
  }
  core.settleBusy(item, before);
  core.emit({
    type: "merge",
    mergeId: bs.mergeId,
    buildsetId: bs.id,
    itemId: item.id,
    pipeline: item.pipeline,
    queue: item.queueKey,
    changes: spec.changes,
    ...(spec.without === undefined ? {} : { alternative: true }),
  });
  return bs;
}

/**
 * Checks the item's link against the chain item now ahead of it. When it changed (or a promote
 * forces it) the item gets a new token: its main state is stale and goes (a reset, unless its
 * failure was already used to narrow a bisection), and a hedge whose state is exactly the new chain
 * plus the item takes its place (its builds keep running, their results stand). Returns whether
 * anything was dropped or promoted.
 */
export function checkLink(core: Core, item: Item, ahead: Item | null, chain: readonly Change[]): boolean {
  const want = ahead?.id ?? null;
  const wantToken = ahead?.link?.token ?? null;
  const l = item.link;
  if (l && !item.forceReset && l.ahead === want && l.aheadToken === wantToken) return false;
  item.forceReset = false;
  item.link = { ahead: want, aheadToken: wantToken, token: nextToken(core) };
  const old = item.buildset;
  const hedges = item.hedges;
  if (!old && !hedges) return false;
  item.buildset = null;
  delete item.hedges;
  if (old) core.discard(item, old, !old.used);
  const match = hedges?.find((h) => fresh(core, h) && sameState(h.state, chain, item, core.merged));
  for (const h of hedges ?? []) if (h !== match) core.discard(item, h, true);
  if (match) {
    delete match.without;
    match.link = item.link.token;
    match.aheadItem = want;
    match.aheadBuildset = ahead?.buildset?.id ?? null;
    item.buildset = match;
  }
  core.settleBusy(item, true);
  return true;
}

/** A hedge is stale when a change merged since it was made is not in it: it tested another tree. */
function fresh(core: Core, h: Buildset): boolean {
  const since = core.state.merged.slice(h.base ?? 0);
  return since.every((id) => h.state.includes(id));
}

/** Whether `state`, less the changes merged since it was made (its head), is the chain plus the item. */
function sameState(state: readonly string[], chain: readonly Change[], item: Item, merged: ReadonlySet<string>): boolean {
  let skip = 0;
  while (skip < state.length && merged.has(state[skip]!)) skip++;
  if (state.length - skip !== chain.length + 1 || state[state.length - 1] !== item.change.id) return false;
  for (let i = 0; i < chain.length; i++) if (state[skip + i] !== chain[i]!.id) return false;
  return true;
}
