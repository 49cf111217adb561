import type { Command, SchedulerEvent } from "../../../src/scheduler/index.ts";
import { type RunOptions, runScenario } from "../../../src/simulate/run.ts";
import type { Scenario } from "../../../src/simulate/scenario.ts";

/**
 * Invariants over a scenario run through the real core by the simulator, for either strategy. Each
 * check throws with a message naming the broken rule; fast-check shrinks the scenario to a small
 * counterexample.
 *
 * - every build ends once (finished or cancelled), and the core's running count goes back to 0;
 * - nothing is reported while something it was tested on, ahead of it, has not merged: a change is
 *   voted down only on a state whose other content passed and merged (never for another's fault);
 * - every tree that lands was tested as a whole: each merged change lands on a prefix of the state
 *   its success was proven on, and when the last change of that state lands, the branch is exactly
 *   that state;
 * - changes land in queue order (unless something was promoted);
 * - a change whose dependency left by an event is never reported success after it.
 */
export function checkInvariants(sc: Scenario, options: RunOptions = {}): ReturnType<typeof runScenario> {
  const started = new Set<number>();
  const finished = new Set<number>();
  const cancelled = new Set<number>();
  const merged: string[] = [];
  // item → the merged count of its queue when its proof's merge was made, and the proof's state.
  const mergeBase = new Map<number, number>(); // merge id → merged count of its queue when made
  const proven = new Map<number, { queue: string; base: number; state: string[] }>();
  const mergedItemsByQueue = new Map<string, number[]>();
  const queueOfMerge = new Map<number, string>();
  let last: { toJSON(): { running: number } } | null = null;
  const gone = new Map<string, number>();
  const depsOf = transitiveDeps(sc);
  const mergedByQueue = new Map<string, string[]>();
  const mergedIn = (queue: string) => {
    const list = mergedByQueue.get(queue) ?? [];
    mergedByQueue.set(queue, list);
    return list;
  };

  const observe = (ev: SchedulerEvent, cmds: readonly Command[], now: number, s: { toJSON(): { running: number } }) => {
    if (ev.type === "build-finished") {
      if (!started.has(ev.buildId)) throw new Error(`build ${ev.buildId} finished but never started`);
      if (cancelled.has(ev.buildId)) throw new Error(`build ${ev.buildId} finished after being cancelled`);
      finished.add(ev.buildId);
    }
    for (const c of cmds) {
      switch (c.type) {
        case "merge":
          mergeBase.set(c.mergeId, mergedIn(c.queue).length);
          queueOfMerge.set(c.mergeId, c.queue);
          break;
        case "start-build":
          if (started.has(c.buildId)) throw new Error(`build id ${c.buildId} started twice`);
          started.add(c.buildId);
          break;
        case "cancel-build":
          if (!started.has(c.buildId)) throw new Error(`cancelled build ${c.buildId} that never started`);
          if (finished.has(c.buildId)) throw new Error(`build ${c.buildId} both finished and cancelled`);
          if (cancelled.has(c.buildId)) throw new Error(`build ${c.buildId} cancelled twice`);
          cancelled.add(c.buildId);
          break;
        case "report":
          checkReport(sc, c, merged, now, gone, depsOf);
          if (c.submit) {
            const mergeId = c.mergeId ?? lastMergeOf(c.itemId);
            const queue = queueOfMerge.get(mergeId);
            if (queue === undefined) throw new Error(`${c.change.id} reported success without a merge`);
            proven.set(c.itemId, { queue, base: mergeBase.get(mergeId)!, state: c.state ?? [] });
          }
          break;
        case "dequeue":
          if (c.merged) landed(c.itemId, c.changeId);
          break;
      }
    }
    last = s;
  };

  // zuul's reports carry no mergeId: its one merge per item is the last one it asked for.
  const lastMerge = new Map<number, number>();
  const lastMergeOf = (itemId: number) => lastMerge.get(itemId) ?? -1;
  const observeMerges = (ev: SchedulerEvent, cmds: readonly Command[], now: number, s: { toJSON(): { running: number } }) => {
    for (const c of cmds) if (c.type === "merge") lastMerge.set(c.itemId, c.mergeId);
    observe(ev, cmds, now, s);
  };

  const landed = (itemId: number, changeId: string) => {
    const p = proven.get(itemId);
    if (!p) throw new Error(`${changeId} merged without a success report`);
    const before = mergedIn(p.queue);
    const at = p.state.indexOf(changeId);
    if (at < 0) throw new Error(`${changeId} merged on a state that does not hold it: [${p.state.join(",")}]`);
    const tested = [...before.slice(0, p.base), ...p.state.slice(0, at + 1)];
    const actual = [...before, changeId];
    if (tested.join(",") !== actual.join(",")) {
      throw new Error(`${changeId} merged onto [${actual.join(",")}] but was tested on [${tested.join(",")}]`);
    }
    merged.push(changeId);
    before.push(changeId);
    const order = mergedItemsByQueue.get(p.queue) ?? [];
    order.push(itemId);
    mergedItemsByQueue.set(p.queue, order);
  };

  const result = runScenario(sc, { ...options, observe: observeMerges });
  for (const id of started) {
    if (finished.has(id) === cancelled.has(id)) throw new Error(`build ${id} ended ${finished.has(id) ? "twice" : "never"}`);
  }
  const running = (last as { toJSON(): { running: number } } | null)?.toJSON().running ?? 0;
  if (running > 0) throw new Error(`the core still counts ${running} running builds`);
  if (!sc.events.some((e) => e.type === "promote")) {
    for (const [queue, ids] of mergedItemsByQueue) {
      if (ids.some((id, i) => i > 0 && id < ids[i - 1]!)) throw new Error(`queue ${queue} merged out of order: ${ids.join(",")}`);
    }
  }
  const { outcome } = result;
  if (sc.manager === "independent" && outcome.merged.length > 0) throw new Error("an independent pipeline merged");
  for (const id of outcome.merged) if (outcome.reported[id] !== 1) throw new Error(`${id} merged but reported ${outcome.reported[id]}`);
  return result;
}

function checkReport(
  sc: Scenario,
  c: Extract<Command, { type: "report" }>,
  merged: readonly string[],
  now: number,
  gone: Map<string, number>,
  depsOf: Map<string, string[]>,
): void {
  if (c.state !== null && c.result !== "dequeued" && sc.manager !== "independent") {
    // Everything it was tested on ahead of it has merged: a failure is its own, and a success lands
    // on exactly what it was tested on.
    const at = c.state.indexOf(c.change.id);
    if (at < 0) throw new Error(`${c.change.id} reported ${c.result} on a state without it`);
    if (at !== c.state.length - 1 && (c.result !== 1 || !c.provedBy)) throw new Error(`${c.change.id} reported ${c.result} on a state that goes on past it`);
    const ahead = c.state.slice(0, at).filter((id) => !merged.includes(id));
    if (ahead.length > 0) throw new Error(`${c.change.id} reported ${c.result} with ${ahead.join(",")} still ahead`);
  }
  if (c.result === "dequeued") gone.set(c.change.id, now);
  for (const dep of c.result === 1 ? (depsOf.get(c.change.id) ?? []) : []) {
    if ((gone.get(dep) ?? -1) > c.enqueuedAt) throw new Error(`${c.change.id} reported 1 after ${dep}, which it needs, was dequeued`);
  }
}

/** Change id → every change it depends on, directly or through others. */
function transitiveDeps(sc: Scenario): Map<string, string[]> {
  const direct = new Map(sc.changes.map((c) => [c.id, c.dependsOn]));
  const out = new Map<string, string[]>();
  for (const c of sc.changes) {
    const seen = new Set<string>();
    const todo = [...c.dependsOn];
    while (todo.length > 0) {
      const id = todo.pop()!;
      if (seen.has(id) || id === c.id) continue;
      seen.add(id);
      todo.push(...(direct.get(id) ?? []));
    }
    out.set(c.id, [...seen]);
  }
  return out;
}
