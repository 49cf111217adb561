import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command, SchedulerEvent } from "../../../src/scheduler/index.ts";
import { runScenario } from "../../../src/simulate/run.ts";
import type { Scenario } from "../../../src/simulate/scenario.ts";
import { arbitraryScenario } from "./arbitrary-scenario.ts";

/**
 * Invariants over random scenarios run through the real core by the simulator. Each check throws
 * with a message naming the broken rule; fast-check shrinks the scenario to a small counterexample.
 */
function checkInvariants(sc: Scenario): void {
  const started = new Set<number>();
  const finished = new Set<number>();
  const cancelled = new Set<number>();
  const merged: string[] = [];
  const lastMerge = new Map<number, { queue: string; mergedBefore: number }>();
  const submitted = new Map<number, string[]>(); // item → state it reported success on
  const mergedItemsByQueue = new Map<string, number[]>();
  let running = -1;
  // Changes dequeued by an event (abandon, new patchset, by hand) → when; and each change's
  // dependencies, transitively.
  const gone = new Map<string, number>();
  const depsOf = transitiveDeps(sc);
  // Queues are independent (different repositories); the rule is about the item's own queue.
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
          lastMerge.set(c.itemId, { queue: c.queue, mergedBefore: mergedIn(c.queue).length });
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
          if (c.state !== null && c.result !== "dequeued" && sc.manager !== "independent") {
            // No item is reported while a non-failing item is ahead of it: everything it was
            // tested on, besides itself, has merged already.
            const ahead = c.state.slice(0, -1).filter((id) => !merged.includes(id));
            if (ahead.length > 0) throw new Error(`${c.change.id} reported ${c.result} with ${ahead.join(",")} still ahead`);
          }
          if (c.submit) submitted.set(c.itemId, c.state ?? []);
          if (c.result === "dequeued") gone.set(c.change.id, now);
          // In every manager, a dependency that left by an event fails what was queued needing it.
          for (const dep of c.result === 1 ? (depsOf.get(c.change.id) ?? []) : []) {
            if ((gone.get(dep) ?? -1) > c.enqueuedAt) throw new Error(`${c.change.id} reported 1 after ${dep}, which it needs, was dequeued`);
          }
          break;
        case "dequeue": {
          if (!c.merged) break;
          // A merged item's last buildset was tested on exactly the changes merged before it, in order.
          const m = lastMerge.get(c.itemId);
          const state = submitted.get(c.itemId);
          if (!m || !state) throw new Error(`${c.changeId} merged without a merge or a success report`);
          const before = mergedIn(m.queue);
          const tested = [...before.slice(0, m.mergedBefore), ...state];
          const actual = [...before, c.changeId];
          if (tested.join(",") !== actual.join(",")) {
            throw new Error(`${c.changeId} merged onto [${actual.join(",")}] but was tested on [${tested.join(",")}]`);
          }
          merged.push(c.changeId);
          before.push(c.changeId);
          const order = mergedItemsByQueue.get(m.queue) ?? [];
          order.push(c.itemId);
          mergedItemsByQueue.set(m.queue, order);
          break;
        }
      }
    }
    running = s.toJSON().running;
  };

  const { outcome } = runScenario(sc, { observe });
  // Every started build ends finished or cancelled, never both, never neither.
  for (const id of started) {
    if (finished.has(id) === cancelled.has(id)) throw new Error(`build ${id} ended ${finished.has(id) ? "twice" : "never"}`);
  }
  if (running > 0) throw new Error(`the core still counts ${running} running builds`);
  // Merge order follows queue order (item ids grow with enqueue order), unless something was promoted.
  if (!sc.events.some((e) => e.type === "promote")) {
    for (const [queue, ids] of mergedItemsByQueue) {
      if (ids.some((id, i) => i > 0 && id < ids[i - 1]!)) throw new Error(`queue ${queue} merged out of order: ${ids.join(",")}`);
    }
  }
  if (sc.manager === "independent" && outcome.merged.length > 0) throw new Error("an independent pipeline merged");
  // Every accepted change was reported; merged ones were reported success.
  for (const id of outcome.merged) if (outcome.reported[id] !== 1) throw new Error(`${id} merged but reported ${outcome.reported[id]}`);
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

describe("scheduler invariants over random scenarios", () => {
  it("hold for 2,000 scenarios", () => {
    fc.assert(
      fc.property(arbitraryScenario, (sc) => {
        checkInvariants(sc);
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 2000), seed: Number(process.env.PROP_SEED ?? 20240611) },
    );
  });

  it("persisting and restoring the core after every event changes nothing", () => {
    fc.assert(
      fc.property(arbitraryScenario, (sc) => {
        const plain = runScenario(sc).outcome;
        const restored = runScenario(sc, { roundTrip: true }).outcome;
        expect(restored).toEqual(plain);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("is deterministic: the same scenario gives the same outcome", () => {
    fc.assert(
      fc.property(arbitraryScenario, (sc) => {
        expect(runScenario(sc).outcome).toEqual(runScenario(sc).outcome);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
