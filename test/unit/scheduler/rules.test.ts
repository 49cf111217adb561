import { describe, expect, it } from "vitest";
import { type Command, type Layout, Scheduler } from "../../../src/scheduler/index.ts";
import { grow, shrink } from "../../../src/scheduler/window.ts";
import { DEFAULT_WINDOW } from "../../../src/scheduler/layout.ts";
import { runScenario } from "../../../src/simulate/run.ts";
import { parseScenario } from "../../../src/simulate/scenario.ts";

/** Runs an inline scenario through the real core and returns its outcome. */
function sim(yaml: string) {
  return runScenario(parseScenario("inline.yaml", yaml)).outcome;
}

const gate = (jobs: string[], extra: Partial<Layout> = {}, failFast = false): Layout => ({
  pipelines: [{ name: "gate", manager: "dependent" }],
  projects: [{ name: "p", pipelines: { gate: { jobs, failFast } } }],
  jobs: jobs.map((name) => ({ name })),
  ...extra,
});
const change = (id: string, dependsOn: string[] = []) => ({ id, project: "p", branch: "main", dependsOn });
const of = <T extends Command["type"]>(cmds: Command[], type: T) =>
  cmds.filter((c): c is Extract<Command, { type: T }> => c.type === type);

describe("window arithmetic", () => {
  it("grows linearly or exponentially up to the ceiling and shrinks down to the floor", () => {
    const p = { ...DEFAULT_WINDOW, floor: 3, ceiling: 10 };
    expect(grow(4, p)).toBe(5);
    expect(grow(10, p)).toBe(10);
    expect(grow(4, { ...p, increaseType: "exponential", increaseFactor: 2 })).toBe(8);
    expect(shrink(9, p)).toBe(4);
    expect(shrink(4, p)).toBe(3);
    expect(shrink(9, { ...p, decreaseType: "linear", decreaseFactor: 2 })).toBe(7);
    expect(grow(0, p)).toBe(0); // unlimited stays unlimited
    expect(shrink(0, p)).toBe(0);
  });

  it("shrinks on a failure of the item's own making, so fewer items run builds afterwards", () => {
    const out = sim(`
name: shrink
pipeline: {window: 4, window-floor: 1, window-decrease-type: linear, window-decrease-factor: 3}
jobs: [{name: t, duration: 10}]
changes: [{id: A}, {id: B}, {id: C}, {id: D}, {id: E}]
failures: [{job: t, change: A}]
`);
    // A fails: window 4 → 1; B restarts alone, then C, D, E one by one as the window grows back.
    expect(out.reported).toEqual({ A: -1, B: 1, C: 1, D: 1, E: 1 });
    expect(out.finishedAt).toBe(40);
  });
});

describe("NNFI", () => {
  it("an item behind a failing item that is not the head is retested without it", () => {
    const out = sim(`
name: middle
jobs: [{name: t, duration: 60}]
changes: [{id: A}, {id: B}, {id: C}]
failures: [{job: t, change: B}]
expect: {merged: [A, C], reported: {A: 1, B: -1, C: 1}, builds: {t: 4}, cancelled: {t: 1}, resets: 1, finishedAt: 120}
`);
    expect(out.ok).toBe(true);
  });

  it("an item whose failure depended on a failing item ahead gets another chance and its dependents with it", () => {
    const out = sim(`
name: chance with dependents
jobs: [{name: t, duration: 60}]
changes: [{id: A, durations: {t: 120}}, {id: B}, {id: C, depends-on: [B]}]
failures: [{job: t, change: A}, {job: t, change: B, with: [A]}]
`);
    expect(out.merged).toEqual(["B", "C"]);
    expect(out.reported).toEqual({ A: -1, B: 1, C: 1 });
  });

  it("a merge conflict fails the item without builds", () => {
    const out = sim(`
name: conflict
jobs: [{name: t}]
changes: [{id: A}, {id: B}]
conflicts: [{change: A, with: B}]
`);
    expect(out.reported).toEqual({ A: 1, B: "merge-conflict" });
    expect(out.builds).toEqual({ t: 1 });
  });

  it("merge-duration delays builds and stale merge results are discarded", () => {
    const out = sim(`
name: slow merges
pipeline: {merge-duration: 5}
jobs: [{name: t, duration: 10}]
changes: [{id: A}, {id: B}, {id: C}]
failures: [{job: t, change: A}]
`);
    expect(out.reported).toEqual({ A: -1, B: 1, C: 1 });
    expect(out.finishedAt).toBe(15 + 15);
  });
});

describe("Depends-On", () => {
  it("refuses a change whose dependency is neither merged nor ahead in the same queue", () => {
    const out = sim(`
name: refused
jobs: [{name: t}]
changes: [{id: A, depends-on: [B]}, {id: B}]
`);
    expect(out.reported).toEqual({ A: -1, B: 1 });
    expect(out.merged).toEqual(["B"]);
  });

  it("dependents of a failing change fail at once (builds cancelled, no reset) and leave with it", () => {
    const out = sim(`
name: dependents
jobs: [{name: t, duration: 60}]
changes: [{id: A}, {id: B, depends-on: [A]}, {id: C}]
failures: [{job: t, change: A}]
`);
    expect(out.reported).toEqual({ A: -1, B: -1, C: 1 });
    expect(out.merged).toEqual(["C"]);
    // B's build is cancelled (not a reset); C is reset once onto the branch tip.
    expect(out.cancelled).toEqual({ t: 2 });
    expect(out.resets).toBe(1);
  });

  it("independent pipelines merge dependencies into the state and never fail on them", () => {
    const out = sim(`
name: check deps
pipeline: {manager: independent}
jobs: [{name: t}]
changes: [{id: A, at: null}, {id: B, depends-on: [A]}]
failures: [{job: t, change: B, without: [A]}]
`);
    expect(out.reported).toEqual({ B: 1 });
  });

  it("independent pipelines: a dependency's own result never fails its dependents", () => {
    const out = sim(`
name: check dep fails alone
pipeline: {manager: independent}
jobs: [{name: t, duration: 60}]
changes: [{id: A, durations: {t: 10}}, {id: B, depends-on: [A]}]
failures: [{job: t, change: A}]
`);
    expect(out.reported).toEqual({ A: -1, B: 1 });
  });

  it("independent pipelines: a dependency dequeued by an event fails its dependents, as in the gate", () => {
    const out = sim(`
name: check abandon
pipeline: {manager: independent}
jobs: [{name: t, duration: 60}]
changes: [{id: A}, {id: B, depends-on: [A]}, {id: C, depends-on: [B]}, {id: D}]
events: [{at: 30, type: abandon, change: A}]
`);
    expect(out.reported).toEqual({ A: "dequeued", B: -1, C: -1, D: 1 });
    // A's, B's and C's builds are cancelled; nobody is reset.
    expect(out.cancelled).toEqual({ t: 3 });
    expect(out.resets).toBe(0);
  });

  it("independent pipelines: dependents in other projects' queues leave too, reported -1 naming the dependency", () => {
    const layout: Layout = {
      pipelines: [{ name: "check", manager: "independent" }],
      projects: ["p", "q"].map((name) => ({ name, pipelines: { check: { jobs: ["t"] } } })),
      jobs: [{ name: "t" }],
    };
    for (const type of ["abandon", "new-patchset", "dequeue"] as const) {
      const s = new Scheduler(layout);
      const a = change("A");
      const b = { ...change("B", ["A"]), project: "q" };
      const starts = [a, b].flatMap((c) =>
        of(s.handle({ type: "enqueue", pipeline: "check", change: c, needs: [a] }, 0), "merge").flatMap((m) =>
          of(s.handle({ type: "merge-done", mergeId: m.mergeId }, 0), "start-build"),
        ),
      );
      const ev = type === "dequeue" ? { type, pipeline: "check", changeId: "A" } : { type, changeId: "A" };
      const cmds = s.handle(ev, 5);
      expect(of(cmds, "cancel-build").map((c) => c.buildId)).toEqual(starts.map((b) => b.buildId));
      expect(of(cmds, "report").map((r) => [r.change.id, r.result, r.reason])).toEqual([
        ["A", "dequeued", expect.any(String)],
        ["B", -1, "depends on A, which left the queue without merging"],
      ]);
      expect(s.view().pipelines[0]!.queues.flatMap((q) => q.items)).toEqual([]);
    }
  });
});

describe("jobs", () => {
  it("skips a job whose dependency failed: not started, neither success nor failure", () => {
    const out = sim(`
name: skip
jobs: [{name: build}, {name: test, dependencies: [build]}]
changes: [{id: A}]
failures: [{job: build, change: A}]
`);
    expect(out.builds).toEqual({ build: 1 });
    expect(out.reported).toEqual({ A: -1 });
  });

  it("fail-fast cancels the item's other builds at once", () => {
    const out = sim(`
name: fail fast
projects: [{name: p, fail-fast: true}]
jobs: [{name: quick, duration: 10}, {name: slow, duration: 100}]
changes: [{id: A}]
failures: [{job: quick, change: A}]
`);
    expect(out.cancelled).toEqual({ slow: 1 });
    expect(out.finishedAt).toBe(10);
  });

  it("capacity starts waiting builds strictly in queue order", () => {
    const s = new Scheduler(gate(["x", "y"]), { capacity: 3 });
    const starts: string[] = [];
    for (const id of ["A", "B"]) {
      const cmds = s.handle({ type: "enqueue", pipeline: "gate", change: change(id) }, 0);
      for (const m of of(cmds, "merge")) {
        for (const b of of(s.handle({ type: "merge-done", mergeId: m.mergeId }, 0), "start-build")) starts.push(`${b.state.at(-1)}:${b.job}`);
      }
    }
    expect(starts).toEqual(["A:x", "A:y", "B:x"]);
    const view = s.view().pipelines[0]!.queues[0]!.items[1]!;
    expect(view.jobs.map((j) => j.state)).toEqual(["running", "waiting: capacity"]);
  });
});

describe("core contract", () => {
  it("ERROR makes the item leave like a failure, reported error, window unchanged", () => {
    const s = new Scheduler(gate(["x"]));
    const merge = of(s.handle({ type: "enqueue", pipeline: "gate", change: change("A") }, 0), "merge")[0]!;
    const build = of(s.handle({ type: "merge-done", mergeId: merge.mergeId }, 0), "start-build")[0]!;
    const cmds = s.handle({ type: "build-finished", buildId: build.buildId, result: "ERROR" }, 5);
    expect(of(cmds, "report")[0]).toMatchObject({ result: "error", submit: false });
    expect(of(cmds, "dequeue")).toHaveLength(1);
    expect(s.view().pipelines[0]!.queues[0]!.window).toBe(20);
  });

  it("ignores stale and unknown completions", () => {
    const s = new Scheduler(gate(["x"]));
    s.handle({ type: "enqueue", pipeline: "gate", change: change("A") }, 0);
    expect(s.handle({ type: "merge-done", mergeId: 99 }, 1)).toEqual([]);
    expect(s.handle({ type: "build-finished", buildId: 42, result: "SUCCESS" }, 1)).toEqual([]);
    expect(s.handle({ type: "submit-done", itemId: 1 }, 1)).toEqual([]);
    expect(s.handle({ type: "dequeue", pipeline: "gate", changeId: "nope" }, 1)).toEqual([]);
  });

  it("waits for submit-done before the item counts as merged; submit-failed resets the items behind", () => {
    const s = new Scheduler(gate(["x"]));
    const merges = ["A", "B"].flatMap((id) => of(s.handle({ type: "enqueue", pipeline: "gate", change: change(id) }, 0), "merge"));
    const builds = merges.flatMap((m) => of(s.handle({ type: "merge-done", mergeId: m.mergeId }, 0), "start-build"));
    const reportA = of(s.handle({ type: "build-finished", buildId: builds[0]!.buildId, result: "SUCCESS" }, 10), "report")[0]!;
    expect(reportA).toMatchObject({ result: 1, submit: true, state: ["A"] });
    // B passes too but must wait: A is still ahead of it until the source answers.
    expect(of(s.handle({ type: "build-finished", buildId: builds[1]!.buildId, result: "SUCCESS" }, 11), "report")).toEqual([]);
    const cmds = s.handle({ type: "submit-failed", itemId: reportA.itemId, reason: "locked" }, 12);
    expect(of(cmds, "report")[0]).toMatchObject({ result: "merge-failure" });
    expect(of(cmds, "reset")[0]).toMatchObject({ changeId: "B", completed: 1 });
    expect(of(cmds, "merge")[0]!.changes.map((c) => c.id)).toEqual(["B"]);
  });

  it("promote moves the item with its dependencies to the head and resets the queue", () => {
    const s = new Scheduler(gate(["x"]));
    for (const [id, deps] of [["A", []], ["B", []], ["C", ["B"]]] as const) {
      for (const m of of(s.handle({ type: "enqueue", pipeline: "gate", change: change(id, [...deps]) }, 0), "merge")) {
        s.handle({ type: "merge-done", mergeId: m.mergeId }, 0);
      }
    }
    const cmds = s.handle({ type: "promote", pipeline: "gate", changeId: "C" }, 5);
    expect(of(cmds, "reset").map((r) => r.changeId)).toEqual(["B", "C", "A"]);
    expect(of(cmds, "merge").map((m) => m.changes.map((c) => c.id).join(""))).toEqual(["B", "BC", "BCA"]);
  });

  it("toJSON is plain JSON and fromJSON continues exactly where it stopped", () => {
    const s = new Scheduler(gate(["x"]));
    const merge = of(s.handle({ type: "enqueue", pipeline: "gate", change: change("A") }, 0), "merge")[0]!;
    const copy = Scheduler.fromJSON(gate(["x"]), JSON.parse(JSON.stringify(s.toJSON())));
    expect(copy.handle({ type: "merge-done", mergeId: merge.mergeId }, 1)).toEqual(s.handle({ type: "merge-done", mergeId: merge.mergeId }, 1));
    expect(() => Scheduler.fromJSON(gate(["x"]), { version: 2 })).toThrow(/version-1/);
  });
});

describe("merged changes", () => {
  it("an independent (post) pipeline still runs on a merged change; the gate does not take it", () => {
    const layout: Layout = {
      pipelines: [
        { name: "gate", manager: "dependent" },
        { name: "post", manager: "independent" },
      ],
      projects: [{ name: "p", pipelines: { gate: { jobs: ["t"] }, post: { jobs: ["publish"] } } }],
      jobs: [{ name: "t" }, { name: "publish" }],
    };
    const s = new Scheduler(layout);
    s.handle({ type: "change-merged", changeId: "A" }, 0);
    expect(of(s.handle({ type: "enqueue", pipeline: "gate", change: change("A") }, 1), "merge")).toEqual([]);
    const post = of(s.handle({ type: "enqueue", pipeline: "post", change: change("A") }, 2), "merge");
    expect(post.map((m) => [m.pipeline, m.changes.map((c) => c.id)])).toEqual([["post", ["A"]]]);
  });
});
