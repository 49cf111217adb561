import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Command, type Layout, Scheduler, type SchedulerEvent, type SchedulerState } from "../../../src/scheduler/index.ts";
import { resolveLayout } from "../../../src/scheduler/layout.ts";
import { queueReach } from "../../../src/scheduler/reach.ts";
import { defaultCeiling } from "../../../src/scheduler/window.ts";
import { layoutFromConfig } from "../../../src/driver/layout.ts";
import { layoutOf, runScenario } from "../../../src/simulate/run.ts";
import { parseScenario, type Scenario } from "../../../src/simulate/scenario.ts";
import { accepted, withValues } from "../config/support.ts";
import { crowdedScenario } from "./crowded-scenario.ts";
import { type GoldenRecord, goldenCases, record } from "./golden-streams.ts";
import golden from "./golden-streams.json";
import { checkInvariants } from "./invariants.ts";

/** Issue 16: merges asked for only within reach of an executor, and a default window ceiling. */

const gate = (jobs: string[], window = 20, extra: Partial<Layout["pipelines"][number]> = {}): Layout => ({
  pipelines: [{ name: "gate", manager: "dependent", window: { window }, ...extra }],
  projects: [{ name: "p", pipelines: { gate: { jobs } } }],
  jobs: jobs.map((name) => ({ name })),
});
const change = (id: string) => ({ id, project: "p", branch: "main", dependsOn: [] });

/** Enqueues `n` changes, answering every merge at once; returns the running build ids, head first. */
function fill(s: Scheduler, n: number): number[] {
  const running: number[] = [];
  const inbox: SchedulerEvent[] = [];
  const take = (cmds: Command[]) => {
    for (const c of cmds) {
      if (c.type === "merge") inbox.push({ type: "merge-done", mergeId: c.mergeId });
      if (c.type === "start-build") running.push(c.buildId);
    }
  };
  for (let i = 1; i <= n; i++) {
    take(s.handle({ type: "enqueue", pipeline: "gate", change: change(`c${i}`) }, 0));
    while (inbox.length > 0) take(s.handle(inbox.shift()!, 0));
  }
  return running;
}
const count = (cmds: Command[], type: Command["type"]) => cmds.filter((c) => c.type === type).length;

describe("reach: which items of a gate get their merge", () => {
  it("is the capacity plus the most jobs one item of the queue runs; unlimited without a capacity", () => {
    const layout: Layout = {
      pipelines: [{ name: "gate", manager: "dependent" }],
      projects: [
        { name: "p", pipelines: { gate: { jobs: ["a", "b"], queue: "shared" } } },
        { name: "q", pipelines: { gate: { jobs: ["a", "b", "c"], queue: "shared" } } },
        { name: "r", pipelines: { gate: { jobs: [] } } },
      ],
      jobs: [{ name: "a" }, { name: "b" }, { name: "c" }],
    };
    const [p] = resolveLayout(layout, 50);
    expect(queueReach(p!, "gate/shared", 50)).toBe(53);
    expect(queueReach(p!, "gate/r", 50)).toBe(51); // an item with no jobs still needs its merge
    expect(queueReach(p!, "gate/shared", 4.5)).toBe(8);
    expect(queueReach(p!, "gate/shared", Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });

  it("a failure at the head of a 1,000-item queue re-merges what 50 executors can reach, not 999 items", () => {
    for (const lazyMerges of [true, false]) {
      const s = new Scheduler(gate(["unit", "lint"], 0), { capacity: 50, lazyMerges });
      const running = fill(s, 1000);
      expect(running).toHaveLength(50);
      const cmds = s.handle({ type: "build-finished", buildId: running[0]!, result: "FAILURE" }, 10);
      // 25 items ran their 2 builds each: the head keeps running its other one (Zuul), the 24
      // items behind it are reset.
      expect(count(cmds, "cancel-build")).toBe(48);
      if (lazyMerges) {
        // Reach 52 builds + 49 executors free after the cancels: 51 items of 2 jobs.
        expect(count(cmds, "merge")).toBe(51);
        expect(count(cmds, "merge")).toBeLessThanOrEqual(3 * 50);
      } else expect(count(cmds, "merge")).toBe(999);
    }
  });

  it("a gate of 1 executor and 1 job merges the running item and the next 2; the rest as builds start", () => {
    const s = new Scheduler(gate(["t"], 5), { capacity: 1 });
    const running = fill(s, 10);
    const state = s.toJSON() as SchedulerState;
    // Demand ahead of c2 is 0, of c3 1 (c2's build), of c4 2: not below capacity 1 + lead 1.
    const merged = state.queues[0]!.items.filter((i) => i.buildset !== null).map((i) => i.change.id);
    expect(merged).toEqual(["c1", "c2", "c3"]);
    const jobs = s.view().pipelines[0]!.queues[0]!.items.map((i) => i.jobs[0]!.state);
    expect(jobs).toEqual(["running", ...Array(4).fill("waiting: capacity"), ...Array(5).fill("waiting: outside window")]);
    // c1 passes: its executor is free for c2, and c4 comes within reach.
    const next = s.handle({ type: "build-finished", buildId: running[0]!, result: "SUCCESS" }, 60);
    expect(next.map((c) => (c.type === "merge" ? `merge ${c.changes.map((x) => x.id).join(",")}` : c.type))).toEqual([
      "report",
      "merge c1,c2,c3,c4",
      "start-build",
    ]);
  });
});

describe("default window ceiling", () => {
  it("is max(20, 2 x capacity) with finite capacity and none with unlimited capacity", () => {
    expect(defaultCeiling(1)).toBe(20);
    expect(defaultCeiling(10)).toBe(20);
    expect(defaultCeiling(11)).toBe(22);
    expect(defaultCeiling(50)).toBe(100);
    expect(defaultCeiling(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it("applies to zuul gates that name none; an explicit window-ceiling wins, null included; adaptive and serial keep theirs", () => {
    const ceiling = (l: Layout, capacity?: number) => resolveLayout(l, capacity)[0]!.window.ceiling;
    const given = (c: number | null): Layout => ({ ...gate(["t"]), pipelines: [{ name: "gate", manager: "dependent", window: { ceiling: c } }] });
    expect(ceiling(gate(["t"]), 50)).toBe(100);
    expect(ceiling(gate(["t"]))).toBeNull();
    expect(ceiling(given(7), 50)).toBe(7);
    expect(ceiling(given(null), 50)).toBeNull();
    expect(ceiling(gate(["t"], 20, { strategy: "adaptive" }), 50)).toBeNull();
    expect(ceiling({ ...gate(["t"]), pipelines: [{ name: "gate", manager: "serial" }] }, 50)).toBe(1);
  });

  it("reaches gatebox.yaml: unset gives the default, null none, a number that number", () => {
    const ceiling = (line?: string) => resolveLayout(layoutFromConfig(accepted(withValues(line ? { pipeline: line } : {}))), 50)[0]!.window.ceiling;
    expect(ceiling()).toBe(100);
    expect(ceiling("window-ceiling: null")).toBeNull();
    expect(ceiling("window-ceiling: 30")).toBe(30);
  });

  it("does not apply to gatebox simulate's scenarios, where FORMAT.md says null (the default) is no ceiling", () => {
    const sc = parseScenario("s.yaml", "name: s\njobs: [{name: t}]\nchanges: [{id: A}]\ncapacity: 2\n");
    expect(resolveLayout(layoutOf(sc), 2)[0]!.window.ceiling).toBeNull();
  });

  it("stops the window of a gate with 50 executors at 100 however many changes merge", () => {
    const s = new Scheduler(gate(["t"]), { capacity: 50 });
    let running = fill(s, 300);
    for (let merged = 0; merged < 150; merged++) {
      const cmds = s.handle({ type: "build-finished", buildId: running.shift()!, result: "SUCCESS" }, merged);
      const report = cmds.find((c) => c.type === "report")!;
      const after = s.handle({ type: "submit-done", itemId: report.itemId }, merged);
      for (const c of [...cmds, ...after]) {
        if (c.type === "start-build") running.push(c.buildId);
        if (c.type === "merge") for (const d of s.handle({ type: "merge-done", mergeId: c.mergeId }, merged)) if (d.type === "start-build") running.push(d.buildId);
      }
      running = [...new Set(running)];
    }
    expect(s.view().pipelines[0]!.queues[0]!.window).toBe(100);
  });
});

describe("outcomes are those of the core before lazy merging (golden-streams.json)", () => {
  const before = golden as Record<string, GoldenRecord>;
  for (const c of goldenCases()) {
    it(c.name, () => {
      const now = record(runScenario, c);
      const old = before[c.name]!;
      // What lands, in which order, and every vote: always the same.
      expect(now.digest.merged).toBe(old.digest.merged);
      expect(now.digest.reported).toBe(old.digest.reported);
      expect(now.merges).toBeLessThanOrEqual(old.merges);
      // With instant merges every build starts at the same time for the same item. A merge that
      // takes time may start a build that much later when it was asked for late (reach.ts).
      if (c.name.includes("merge-duration=0 ")) {
        expect(now.digest.starts).toBe(old.digest.starts);
        expect(now.digest.rest).toBe(old.digest.rest);
      }
    });
  }
  it("asks for fewer merges overall", () => {
    const sum = (f: (c: ReturnType<typeof goldenCases>[number]) => number) => goldenCases().reduce((a, c) => a + f(c), 0);
    expect(sum((c) => record(runScenario, c).merges)).toBeLessThan(0.7 * sum((c) => before[c.name]!.merges));
  });
});

/** Most jobs one item of the scenario's queue runs (the lead of reach.ts). */
const lead = (sc: Scenario) => Math.max(1, ...sc.projects.map((p) => p.jobs.length));

describe("crowded random gates", () => {
  it("keep every invariant, and a queue never has more than 2 x capacity + lead merges outstanding", () => {
    fc.assert(
      fc.property(crowdedScenario, (sc) => {
        const bound = 2 * (sc.capacity ?? Number.POSITIVE_INFINITY) + lead(sc);
        checkInvariants(sc);
        runScenario(sc, {
          observe: (_ev, _cmds, _now, s) => {
            for (const q of s.toJSON().queues) {
              const pending = q.items.filter((i) => i.buildset?.merge === "pending").length;
              if (pending > bound) throw new Error(`queue ${q.key} has ${pending} merges outstanding, more than ${bound}`);
            }
          },
        });
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 1500), seed: Number(process.env.PROP_SEED ?? 16) },
    );
  });
});
