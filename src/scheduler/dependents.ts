import type { Core } from "./core.ts";
import type { Item } from "./state.ts";

/**
 * Who needs a change, per pipeline: its Depends-On dependents and, in independent pipelines, the
 * items whose `needs` hold it. Lets a change that leaves unmerged find the items that leave with it
 * without walking every queue of the pipeline (an event costs O(active items), not O(queue)).
 */
export class Dependents {
  private readonly by = new Map<string, Set<Item>>();

  add(item: Item): void {
    for (const id of needed(item)) {
      const key = keyOf(item.pipeline, id);
      const set = this.by.get(key) ?? new Set<Item>();
      this.by.set(key, set);
      set.add(item);
    }
  }

  delete(item: Item): void {
    for (const id of needed(item)) {
      const key = keyOf(item.pipeline, id);
      const set = this.by.get(key);
      set?.delete(item);
      if (set?.size === 0) this.by.delete(key);
    }
  }

  /** The items of `pipeline` that need `changeId` (in no particular order). */
  of(pipeline: string, changeId: string): Item[] {
    return [...(this.by.get(keyOf(pipeline, changeId)) ?? [])];
  }
}

function needed(item: Item): Set<string> {
  return new Set([...item.change.dependsOn, ...item.needs.map((c) => c.id)]);
}

function keyOf(pipeline: string, changeId: string): string {
  return `${pipeline}\u0000${changeId}`;
}

/**
 * FORMAT.md Depends-On: items needing a change that left unmerged leave with it, reported -1. In
 * dependent and serial pipelines they share its queue; in independent ones they may sit in any
 * queue of the pipeline and need it directly or through `needs` (their transitive dependencies).
 * Queue by queue, the first of them in queue order leaves first; a removal may take others with it
 * (its own dependents), so the next is looked up again.
 */
export function removeDependents(core: Core, gone: Item): void {
  const id = gone.change.id;
  const p = core.pipelines.get(gone.pipeline);
  const keys = p?.manager === "independent" ? p.queues.map((q) => q.key) : [gone.queueKey];
  for (const key of keys) {
    const q = core.queues.get(key);
    if (!q) continue;
    for (;;) {
      let first: Item | undefined;
      let at = Number.POSITIVE_INFINITY;
      for (const other of core.dependents.of(gone.pipeline, id)) {
        const i = other.queueKey === key ? q.items.indexOf(other) : -1;
        if (i >= 0 && i < at) [first, at] = [other, i];
      }
      if (!first) break;
      core.report(first, -1, `depends on ${id}, which left the queue without merging`, false, false);
      core.remove(first, false, true); // recursion handles its own dependents
    }
  }
}
