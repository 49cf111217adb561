import { propagateSkips } from "./buildset.ts";
import type { Core } from "./core.ts";
import { landed, timed } from "./adaptive/measure.ts";
import type { Buildset, Item } from "./state.ts";
import type { BuildResult, Change, SchedulerEvent } from "./types.ts";
import { grow } from "./window.ts";

/**
 * Applies one event to the state. Events naming things the core does not know (a change in no
 * queue, a stale merge or build id) are ignored: they are the normal aftermath of resets, dequeues
 * and restarts, not errors. The queue walks that follow do the rest.
 */
export function applyEvent(core: Core, ev: SchedulerEvent): void {
  switch (ev.type) {
    case "enqueue":
      enqueue(core, ev.pipeline, ev.change, ev.needs ?? []);
      return;
    case "abandon":
    case "new-patchset":
      for (const p of core.layout) dequeue(core, p.name, ev.changeId, ev.type === "abandon" ? "abandoned" : "a new patchset was uploaded");
      return;
    case "dequeue":
      dequeue(core, ev.pipeline, ev.changeId, "dequeued by hand");
      return;
    case "promote":
      promote(core, ev.pipeline, ev.changeId);
      return;
    case "change-merged":
      core.markMerged(ev.changeId);
      return;
    case "merge-done":
    case "merge-failed": {
      const item = core.merges.get(ev.mergeId);
      core.merges.delete(ev.mergeId);
      const bs = item ? buildsetOf(item, (b) => b.mergeId === ev.mergeId) : undefined;
      if (bs?.merge !== "pending") return;
      bs.merge = ev.type === "merge-done" ? "done" : ev.infra ? "error" : "conflict";
      if (ev.type === "merge-failed") bs.mergeReason = ev.reason ?? null;
      return;
    }
    case "build-started": {
      const run = runOf(core.builds.get(ev.buildId), ev.buildId);
      if (run) run.startedAt = core.now;
      return;
    }
    case "build-finished":
      buildFinished(core, ev.buildId, ev.result);
      return;
    case "build-cancelled":
      return; // cancel-build already released the slot; nothing waits for this acknowledgement
    case "submit-done":
    case "submit-failed": {
      const item = core.items.get(ev.itemId);
      if (!item?.submitting) return;
      const q = core.queueOf(item);
      if (ev.type === "submit-done") {
        const p = core.pipelines.get(item.pipeline);
        if (p?.strategy === "adaptive") landed(core, p, q);
        else if (p) q.window = grow(q.window, p.window);
        core.remove(item, true);
      } else {
        item.submitting = false;
        core.report(item, "merge-failure", ev.reason ?? "the submit was refused");
        core.remove(item, false);
      }
      return;
    }
  }
}

function enqueue(core: Core, pipeline: string, change: Change, needs: Change[]): void {
  const p = core.pipelines.get(pipeline);
  const pp = p?.projects.get(change.project);
  // A merged change has nothing left to gate; an independent pipeline may still run on it (a
  // post pipeline triggered by change-merged tests the branch as merged).
  if (!p || !pp || core.itemOf(pipeline, change.id)) return;
  if (core.merged.has(change.id) && p.manager !== "independent") return;
  const q = core.queues.get(pp.queueKey);
  if (!q) return;
  if (p.manager === "independent") {
    core.addItem(q, change, closure(change, needs, core.merged));
    return;
  }
  for (const dep of change.dependsOn) {
    if (core.merged.has(dep) || core.itemOf(pipeline, dep)?.queueKey === q.key) continue;
    core.refuse(q, change, `depends on ${dep}, which is neither merged nor ahead of it in queue ${q.name}`);
    return;
  }
  core.addItem(q, change, []);
}

/** Unmerged dependencies known from `needs`, transitively, each before what needs it. */
function closure(change: Change, needs: Change[], merged: ReadonlySet<string>): Change[] {
  const known = new Map(needs.map((c) => [c.id, c]));
  const seen = new Set<string>([change.id]);
  const out: Change[] = [];
  const visit = (c: Change) => {
    for (const id of c.dependsOn) {
      const dep = known.get(id);
      if (seen.has(id) || merged.has(id) || !dep) continue;
      seen.add(id);
      visit(dep);
      out.push(dep);
    }
  };
  visit(change);
  return out;
}

function dequeue(core: Core, pipeline: string, changeId: string, why: string): void {
  const item = core.itemOf(pipeline, changeId);
  if (!item) return;
  core.report(item, "dequeued", why, false, false);
  core.remove(item, false, true);
}

/** Moves the item and its unmerged dependencies (in list order) to the head; resets the queue. */
function promote(core: Core, pipeline: string, changeId: string): void {
  const p = core.pipelines.get(pipeline);
  const item = core.itemOf(pipeline, changeId);
  if (!p || p.manager === "independent" || !item) return;
  const q = core.queueOf(item);
  const moving = new Set<Item>([item]);
  const want = [...item.change.dependsOn];
  while (want.length > 0) {
    const dep = core.itemOf(pipeline, want.pop()!);
    if (!dep || dep.queueKey !== q.key || moving.has(dep) || dep.submitting) continue;
    moving.add(dep);
    want.push(...dep.change.dependsOn);
  }
  // Items already being submitted stay first: they are merging as we speak.
  const submitting = q.items.filter((i) => i.submitting);
  const promoted = q.items.filter((i) => moving.has(i));
  const rest = q.items.filter((i) => !i.submitting && !moving.has(i));
  q.items = [...submitting, ...promoted, ...rest];
  for (const i of q.items) if (!i.submitting) i.forceReset = true;
}

/** The item's buildset (its main one, else a hedge) that `match` picks. */
function buildsetOf(item: Item, match: (bs: Buildset) => boolean): Buildset | undefined {
  if (item.buildset && match(item.buildset)) return item.buildset;
  return item.hedges?.find(match);
}

function runOf(item: Item | undefined, buildId: number) {
  const bs = item && buildsetOf(item, (b) => b.jobs.some((r) => r.buildId === buildId));
  return bs?.jobs.find((r) => r.buildId === buildId);
}

function buildFinished(core: Core, buildId: number, result: BuildResult): void {
  const item = core.builds.get(buildId);
  const run = runOf(item, buildId);
  if (!item || !run || run.status !== "running") return;
  core.builds.delete(buildId);
  core.state.running--;
  run.status = result;
  run.endedAt = core.now;
  if (core.pipelines.get(item.pipeline)?.strategy === "adaptive" && result !== "ERROR" && result !== "RETRY_LIMIT") timed(core.queueOf(item), run);
  if (result === "SUCCESS") return;
  const pp = core.projectOf(item);
  const bs = buildsetOf(item, (b) => b.jobs.includes(run))!;
  propagateSkips(bs, pp?.jobs ?? []);
  const voting = pp?.jobs.find((j) => j.name === run.name)?.voting ?? true;
  if (!pp?.failFast || !voting) return;
  // fail-fast: the item is failing; stop spending executors on it.
  for (const other of bs.jobs) {
    if (other.status === "waiting") other.status = "ABORTED";
    if (other.status !== "running" || other.buildId === null) continue;
    core.builds.delete(other.buildId);
    core.state.running--;
    other.status = "ABORTED";
    other.endedAt = core.now;
    core.emit({ type: "cancel-build", buildId: other.buildId, itemId: item.id, job: other.name });
  }
}
