import { walkAdaptive } from "./adaptive/walk.ts";
import { failKind, isDone } from "./buildset.ts";
import type { Core } from "./core.ts";
import type { ResolvedPipeline } from "./layout.ts";
import type { Item, QueueState } from "./state.ts";
import { demandOf } from "./reach.ts";
import type { Change } from "./types.ts";
import { dependencyFailing, failure } from "./verdict.ts";
import { shrink } from "./window.ts";

/**
 * One pass over one queue (Zuul's processQueue). Returns true when something structural changed
 * (a report, a removal, a reset, a dependency starting or stopping to fail), so the caller repeats
 * passes until none does. Merges are requested here; builds are started afterwards, globally, in
 * queue order (see start.ts).
 */
export function walkQueue(core: Core, p: ResolvedPipeline, q: QueueState): boolean {
  if (p.manager === "independent") return walkIndependent(core, q);
  return p.strategy === "adaptive" ? walkAdaptive(core, p, q) : walkDependent(core, p, q);
}

/**
 * NNFI (FORMAT.md): walking from the head, `nnfi` is the nearest non-failing item so far; an item
 * whose buildset was not built on `nnfi`'s current buildset is reset onto it. An item is reported
 * when there is no non-failing item ahead of it and its buildset is done.
 */
function walkDependent(core: Core, p: ResolvedPipeline, q: QueueState): boolean {
  let changed = false;
  let nnfi: Item | null = null;
  const chain: Change[] = [];
  const limit = q.window === 0 ? Number.POSITIVE_INFINITY : q.window;
  // The builds of items ahead that start with this event (start.ts, after the walk) still count as
  // waiting here: the executors free now are added to the reach so that they do not hold it back.
  const reach = (core.reach.get(q.key) ?? Number.POSITIVE_INFINITY) + Math.max(0, core.capacity - core.state.running);
  let seenBusy = 0;
  let demand = 0; // builds the items walked so far still have to start (reach.ts)
  for (let i = 0; i < q.items.length; i++) {
    const item = q.items[i]!;
    // Lazy merging: inside the window and within reach of the executors (reach.ts).
    const actionable = i < limit && demand < reach;
    // Idle items past the window or the reach need nothing until they come within it: stop once no
    // busy item is left, so an event costs O(busy items), not O(queue).
    if (!actionable && item.buildset === null && seenBusy >= q.busy) break;
    if (item.submitting) {
      nnfi = item;
      chain.push(item.change);
      seenBusy++;
      continue;
    }
    const depFailing = dependencyFailing(core, item);
    if (depFailing !== item.depFailing) {
      item.depFailing = depFailing;
      changed = true;
      // FORMAT.md: builds cancelled, not a reset; it leaves with the change it depends on.
      if (depFailing) core.dropBuildset(item, false);
    }
    if (item.depFailing) {
      item.failing = true;
      item.forceReset = false;
      continue;
    }
    const old = item.buildset;
    if (
      old &&
      (item.forceReset || old.aheadItem !== (nnfi?.id ?? null) || old.aheadBuildset !== (nnfi?.buildset?.id ?? null))
    ) {
      core.dropBuildset(item, true);
      changed = true;
    }
    item.forceReset = false;
    if (!item.buildset && actionable) core.startBuildset(item, nnfi, [...chain, item.change]);
    const bs = item.buildset;
    const kind = bs ? failKind(bs, core.jobsOf(item)) : null;
    item.failing = kind !== null;
    if (bs) seenBusy++;
    if (nnfi === null && bs && isDone(bs)) {
      changed = true;
      if (kind === null) {
        core.report(item, 1, "every voting job succeeded", true);
        item.submitting = true;
        nnfi = item;
        chain.push(item.change);
      } else {
        const [result, reason] = failure(kind, item);
        core.report(item, result, reason);
        if (kind !== "error") q.window = shrink(q.window, p.window);
        core.remove(item, false);
        seenBusy--;
        i--;
      }
      continue;
    }
    demand += demandOf(core, item);
    if (!item.failing) {
      nnfi = item;
      chain.push(item.change);
    }
  }
  return changed;
}

/**
 * Check pipelines: every item alone on the tip plus its dependencies, reported as soon as done.
 * Merged at once, not lazily (reach.ts): nothing resets an item here, so each merge is used once,
 * and a merge conflict is reported as soon as it is known.
 */
function walkIndependent(core: Core, q: QueueState): boolean {
  let changed = false;
  for (let i = 0; i < q.items.length; i++) {
    const item = q.items[i]!;
    if (!item.buildset) core.startBuildset(item, null, [...item.needs, item.change]);
    const bs = item.buildset!;
    if (!isDone(bs)) continue;
    const kind = failKind(bs, core.jobsOf(item));
    if (kind === null) core.report(item, 1, "every voting job succeeded");
    else core.report(item, ...failure(kind, item));
    core.remove(item, false);
    i--;
    changed = true;
  }
  return changed;
}
