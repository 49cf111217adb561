import { describe, expect, it } from "vitest";
import { bestChoice, roundModel, usefulDepth, WASTE_BUDGET } from "../../../src/scheduler/adaptive/choose.ts";
import { type Command, type Layout, Scheduler } from "../../../src/scheduler/index.ts";
import { runScenario } from "../../../src/simulate/run.ts";
import { parseScenario } from "../../../src/simulate/scenario.ts";

/** Runs an inline scenario (adaptive unless it says otherwise) and returns its outcome and commands. */
function sim(yaml: string) {
  const commands: Command[] = [];
  const { outcome } = runScenario(parseScenario("inline.yaml", yaml), { observe: (_e, cmds) => commands.push(...cmds) });
  return { outcome, commands };
}
const of = <T extends Command["type"]>(cmds: Command[], type: T) =>
  cmds.filter((c): c is Extract<Command, { type: T }> => c.type === type);

const gate = (strategy?: "zuul" | "adaptive", window = 20): Layout => ({
  pipelines: [{ name: "gate", manager: "dependent", window: { window, floor: 1 }, ...(strategy ? { strategy } : {}) }],
  projects: [{ name: "p", pipelines: { gate: { jobs: ["t"] } } }],
  jobs: [{ name: "t" }],
});
const change = (id: string, dependsOn: string[] = [], risk?: number) => ({ id, project: "p", branch: "main", dependsOn, ...(risk === undefined ? {} : { risk }) });

describe("adaptive: merge what it holds", () => {
  it("lands the items ahead that a passing state holds, one submit at a time, in queue order", () => {
    const { outcome, commands } = sim(`
name: holds
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
changes: [{id: A, durations: {t: 120}}, {id: B}]
`);
    expect(outcome.merged).toEqual(["A", "B"]);
    expect(outcome.finishedAt).toBe(60);
    const [a, b] = of(commands, "report");
    // A is proven by B's state: the report says so, and its state goes on past A.
    expect(a).toMatchObject({ change: { id: "A" }, result: 1, submit: true, state: ["A", "B"], provedBy: { changeId: "B" } });
    expect(b).toMatchObject({ change: { id: "B" }, result: 1, state: ["A", "B"] });
    expect(b!.provedBy).toBeUndefined();
    // B is reported only after A's submit-done: a refused submit stops the group.
    const order = commands.map((c) => (c.type === "report" ? `r${c.change.id}` : c.type === "dequeue" ? `d${c.changeId}` : "")).filter(Boolean);
    expect(order).toEqual(["rA", "dA", "rB", "dB"]);
  });

  it("a refused submit in the middle of a group retests what is behind it instead of landing it", () => {
    const { outcome } = sim(`
name: refused
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
changes: [{id: A, durations: {t: 120}}, {id: B}]
submit-failures: [A]
`);
    expect(outcome.reported).toEqual({ A: "merge-failure", B: 1 });
    expect(outcome.merged).toEqual(["B"]);
    expect(outcome.finishedAt).toBe(120); // B retested alone on the branch
  });
});

describe("adaptive: batches and bisection", () => {
  it("one executor: one build for a batch; a failed batch is bisected and only the bad change is voted down", () => {
    const { outcome, commands } = sim(`
name: batch
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
capacity: 1
changes: [{id: A}, {id: B}, {id: C}, {id: D}, {id: E}, {id: F}, {id: G}, {id: H}]
breaks: [{job: t, change: E}]
`);
    expect(outcome.reported).toEqual({ A: 1, B: 1, C: 1, D: 1, E: -1, F: 1, G: 1, H: 1 });
    expect(outcome.builds).toEqual({ t: 5 });
    // A arrives alone and is tested alone; B-E then go as one batch, one build.
    expect(of(commands, "start-build").map((b) => b.covers)).toContainEqual(["B", "C", "D", "E"]);
    // E is voted down on the branch (A-D merged) plus itself.
    expect(of(commands, "report").find((r) => r.change.id === "E")!.state).toEqual(["A", "B", "C", "D", "E"]);
  });

  it("a batch build fails when a failure rule of any change it covers matches", () => {
    const { outcome } = sim(`
name: rules
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
capacity: 1
changes: [{id: A}, {id: B}, {id: C}, {id: D}]
failures: [{job: t, change: B}]
`);
    expect(outcome.reported).toEqual({ A: 1, B: -1, C: 1, D: 1 });
  });
});

describe("adaptive: hedges", () => {
  it("a hedge without the risky change becomes the state of the change behind it when it fails", () => {
    const { outcome, commands } = sim(`
name: hedge
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
capacity: 10
changes: [{id: A, risk: 0.02}, {id: B, risk: 0.4}, {id: C, risk: 0.02}, {id: D, risk: 0.02}, {id: E, risk: 0.02}]
breaks: [{job: t, change: B}]
`);
    expect(outcome.merged).toEqual(["A", "C", "D", "E"]);
    expect(outcome.finishedAt).toBe(60);
    const hedges = of(commands, "merge").filter((m) => m.alternative);
    expect(hedges.length).toBeGreaterThan(0);
    for (const h of hedges) expect(h.changes.map((c) => c.id)).not.toContain("B");
  });

  it("a change more likely to fail than not is left out of the states behind it until it passes", () => {
    const bad = sim(`
name: presumed
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
capacity: 4
changes: [{id: A, risk: 0.02}, {id: B, risk: 0.9}, {id: C, risk: 0.02}, {id: D, risk: 0.02}]
breaks: [{job: t, change: B}]
`);
    expect(bad.outcome).toMatchObject({ merged: ["A", "C", "D"], finishedAt: 60, builds: { t: 4 } });
    expect(of(bad.commands, "merge").map((m) => m.changes.map((c) => c.id).join(""))).toEqual(["A", "AB", "AC", "ACD"]);
    // Wrongly presumed: B passes, lands first, and C and D are retested with it, in queue order.
    const good = sim(`
name: presumed good
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
capacity: 4
changes: [{id: A, risk: 0.02}, {id: B, risk: 0.9}, {id: C, risk: 0.02}, {id: D, risk: 0.02}]
`);
    expect(good.outcome).toMatchObject({ merged: ["A", "B", "C", "D"], finishedAt: 120 });
  });

  it("no hedges with unlimited executors, and none with one item", () => {
    const unlimited = sim(`
name: unlimited
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
changes: [{id: A, risk: 0.02}, {id: B, risk: 0.6}, {id: C, risk: 0.02}]
`);
    expect(of(unlimited.commands, "merge").some((m) => m.alternative)).toBe(false);
  });
});

describe("adaptive: idle executors and the window", () => {
  it("the window does not keep free executors idle", () => {
    const s = new Scheduler(gate("adaptive", 1), { capacity: 4 });
    const started: Command[] = [];
    for (const id of ["A", "B", "C", "D"]) {
      for (const c of s.handle({ type: "enqueue", pipeline: "gate", change: change(id) }, 0)) {
        if (c.type === "merge") started.push(...s.handle({ type: "merge-done", mergeId: c.mergeId }, 0));
      }
    }
    expect(of(started, "start-build")).toHaveLength(4);
    const zuul = new Scheduler(gate("zuul", 1), { capacity: 4 });
    const z: Command[] = [];
    for (const id of ["A", "B", "C", "D"]) {
      for (const c of zuul.handle({ type: "enqueue", pipeline: "gate", change: change(id) }, 0)) {
        if (c.type === "merge") z.push(...zuul.handle({ type: "merge-done", mergeId: c.mergeId }, 0));
      }
    }
    expect(of(z, "start-build")).toHaveLength(1);
  });

  it("the view says the mode and why", () => {
    const s = new Scheduler(gate("adaptive"), { capacity: 1 });
    const cmds = ["A", "B", "C", "D", "E", "F"].flatMap((id) => s.handle({ type: "enqueue", pipeline: "gate", change: change(id) }, 0));
    // A (alone: one executor, one state at a time) passes and merges; then the rest go in batches.
    const build = of(s.handle({ type: "merge-done", mergeId: of(cmds, "merge")[0]!.mergeId }, 0), "start-build")[0]!;
    const report = of(s.handle({ type: "build-finished", buildId: build.buildId, result: "SUCCESS" }, 60), "report")[0]!;
    s.handle({ type: "submit-done", itemId: report.itemId }, 60);
    const q = s.view().pipelines[0]!.queues[0]!;
    expect(q.strategy).toMatchObject({ strategy: "adaptive", mode: "batch" });
    expect(q.strategy!.reason).toMatch(/batches of \d+/);
    const rider = q.items.find((i) => i.state === null && i.active)!;
    expect(rider.testedWith).toBe(q.items.find((i, n) => n > q.items.indexOf(rider) && i.state !== null)!.change.id);
    expect(new Scheduler(gate()).view().pipelines[0]!.queues[0]!.strategy).toBeUndefined();
  });
});

describe("adaptive: the usual events keep their meaning", () => {
  it("a dependent of a failing change fails with it; promote resets the queue", () => {
    const { outcome } = sim(`
name: deps
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
capacity: 2
changes: [{id: A}, {id: B, depends-on: [A]}, {id: C}, {id: D}]
breaks: [{job: t, change: A}]
events: [{at: 30, type: promote, change: D}]
`);
    expect(outcome.reported).toEqual({ A: -1, B: -1, C: 1, D: 1 });
    expect(outcome.merged).toEqual(["D", "C"]);
  });

  it("serial and independent pipelines ignore the strategy", () => {
    for (const manager of ["serial", "independent"]) {
      const text = `name: m\npipeline: {manager: ${manager}, strategy: STRATEGY}\njobs: [{name: t}]\ncapacity: 2\nchanges: [{id: A}, {id: B}, {id: C}]\nbreaks: [{job: t, change: B}]\n`;
      const a = sim(text.replace("STRATEGY", "adaptive")).outcome;
      const z = sim(text.replace("STRATEGY", "zuul")).outcome;
      expect(a).toEqual(z);
    }
  });
});

describe("the chooser", () => {
  it("batches when executors are scarce and items wait, one state per item otherwise", () => {
    expect(bestChoice(0.05, 1, 64).batch).toBeGreaterThan(4);
    expect(bestChoice(0.05, Number.POSITIVE_INFINITY, 64).batch).toBe(1);
    expect(bestChoice(0.05, 16, 10).batch).toBe(1); // fewer waiting than executors: latency first
    expect(bestChoice(0.1, 50, 500).batch).toBe(1);
  });

  it("never picks a batch that wastes more per merge than twice one state per item", () => {
    for (const p of [0.02, 0.05, 0.1, 0.2]) {
      for (const c of [1, 4, 16]) {
        const ch = bestChoice(p, c, 500);
        const nnfi = roundModel(1, p, c, ch.batch === 1 ? ch.depth : Math.min(c, 200));
        expect(roundModel(ch.batch, p, c, ch.depth, ch.singles).waste).toBeLessThanOrEqual(2 * nnfi.waste + 1e-9);
      }
    }
  });

  it("keeps the batch size in use unless another is clearly better, and leaves it when few wait", () => {
    // At 18% on four executors the model rates batches of 5 about as high as one state per item:
    // a chooser coming from NNFI does not switch (MARGIN), one batching by 5 does not switch back.
    expect(bestChoice(0.18, 4, 100, 1).batch).toBe(1);
    expect(bestChoice(0.18, 4, 100, 5)).toMatchObject({ batch: 5 });
    // Far from it, the best is taken whatever is in use.
    expect(bestChoice(0.02, 1, 100, 1).batch).toBeGreaterThan(4);
    // Not crowded: one state per item, whatever was in use.
    expect(bestChoice(0.1, 4, 4, 4).batch).toBe(1);
  });

  it("the waste budget is NNFI's modelled waste on the same executors, at least WASTE_BUDGET", () => {
    const nnfiWaste = (p: number, k: number) => roundModel(1, p, k, usefulDepth(1, p, k)).waste;
    // Fifty executors at 10% and 20%: a chain as deep as USEFUL allows wastes more than 1.5 per merge.
    for (const p of [0.1, 0.2]) {
      const c = bestChoice(p, 50, 500);
      expect(c.budget).toBeGreaterThan(WASTE_BUDGET);
      expect(c.budget).toBeCloseTo(nnfiWaste(p, 50), 9);
    }
    // Few executors or a low rate: the floor.
    expect(bestChoice(0.1, 4, 500).budget).toBe(WASTE_BUDGET);
    expect(bestChoice(0.02, 50, 500).budget).toBe(WASTE_BUDGET);
  });

  it("starts a chain of batches with single states when the model says so, from a 5% failure rate", () => {
    // 10%, four executors: the head alone, then batches of 5 (no round of bisection when the head fails).
    expect(bestChoice(0.1, 4, 500)).toMatchObject({ singles: 1, batch: 5, depth: 4 });
    // 5%, sixteen: fourteen single states, then two batches of 16 reach further than one state per item.
    expect(bestChoice(0.05, 16, 500)).toMatchObject({ singles: 14, batch: 16, depth: 16 });
    expect(roundModel(16, 0.05, 16, 16, 14).perRound).toBeGreaterThan(1.1 * roundModel(1, 0.05, 16, 16).perRound);
    // With a change known to be likely bad ahead, at most the head alone (one state per item goes on without it).
    expect(bestChoice(0.05, 16, 500, 1, 1).singles).toBeLessThanOrEqual(1);
    expect(roundModel(5, 0.1, 4, 4, 1).perRound).toBeGreaterThan(roundModel(5, 0.1, 4, 4).perRound);
    expect(roundModel(5, 0.1, 4, 4, 1).waste).toBeLessThan(roundModel(5, 0.1, 4, 4).waste);
    // Below SINGLES_RATE every state is a batch.
    expect(bestChoice(0.02, 4, 500).singles).toBe(0);
  });

  it("after a reset at the head, the chain starts with single states, then batches", () => {
    const ids = Array.from({ length: 24 }, (_, i) => `c${i}`);
    const { outcome, commands } = sim(`
name: lead
pipeline: {strategy: adaptive}
jobs: [{name: t, duration: 60}]
capacity: 4
changes: [${ids.map((id) => `{id: ${id}}`).join(", ")}]
breaks: [{job: t, change: c0}]
`);
    expect(outcome.reported.c0).toBe(-1);
    expect(outcome.merged).toEqual(ids.slice(1));
    // The first builds after c0 is voted down (measured rate 18%: three single states, then
    // batches of 5): c1, c2 and c3 alone, then c4..c8 as one batch.
    const after = commands.slice(commands.findIndex((c) => c.type === "report" && c.change.id === "c0"));
    const covers = of(after, "start-build").slice(0, 4).map((b) => b.covers);
    expect(covers).toEqual([["c1"], ["c2"], ["c3"], ["c4", "c5", "c6", "c7", "c8"]]);
  });
});
