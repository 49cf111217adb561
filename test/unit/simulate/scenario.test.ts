import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.ts";
import { compareExpect } from "../../../src/simulate/expect.ts";
import { generateStream } from "../../../src/simulate/generate.ts";
import { throughput } from "../../../src/simulate/outcome.ts";
import { runScenario } from "../../../src/simulate/run.ts";
import { parseScenario } from "../../../src/simulate/scenario.ts";

function problems(text: string): string[] {
  try {
    parseScenario("s.yaml", text);
  } catch (err) {
    if (err instanceof InputError) {
      expect(err.exitCode).toBe(2);
      return [...err.problems];
    }
    throw err;
  }
  throw new Error("expected the scenario to be refused");
}

describe("scenario parsing", () => {
  it("names file, line and field for schema errors", () => {
    expect(problems("name: x\njobs:\n  - name: t\n    duration: -1\n")).toEqual(["s.yaml:4: jobs[0].duration: must be 0 or more seconds"]);
    expect(problems("name: x\nwindow: 3\n")[0]).toMatch(/^s\.yaml:1: .*window/);
  });

  it("reports every unknown reference at once", () => {
    const found = problems(`name: x
jobs: [{name: t}]
changes:
  - id: A
    depends-on: [Z]
failures:
  - job: nope
    change: A
events:
  - {at: 1, type: abandon, change: Q}
`);
    expect(found).toEqual([
      "s.yaml:5: changes[0].depends-on[0]: unknown change 'Z'",
      "s.yaml:7: failures[0].job: unknown job 'nope'",
      "s.yaml:10: events[0].change: unknown change 'Q'",
    ]);
  });

  it("applies FORMAT.md defaults", () => {
    const sc = parseScenario("s.yaml", "name: x\njobs: [{name: a}, {name: b, voting: false}]\nchanges: [{id: A}]\n");
    expect(sc.manager).toBe("dependent");
    expect(sc.window).toMatchObject({ window: 20, floor: 3, ceiling: null, decreaseType: "exponential", decreaseFactor: 2 });
    expect(sc.projects).toEqual([{ name: "org/project", jobs: ["a", "b"], queue: undefined, failFast: false }]);
    expect(sc.jobs[0]).toMatchObject({ duration: 60, voting: true });
    expect(sc.changes[0]).toMatchObject({ project: "org/project", at: 0 });
  });
});

describe("expect comparison", () => {
  const outcome = {
    name: "n",
    ok: true,
    merged: ["A", "B"],
    reported: { A: 1, B: 1 },
    builds: { t: 2 },
    cancelled: {},
    resets: 0,
    finishedAt: 60,
    throughput: null,
  };
  it("treats a count of 0 as absent and prints one line per difference", () => {
    expect(compareExpect({ cancelled: { t: 0 }, builds: { t: 2 } }, outcome)).toEqual([]);
    expect(compareExpect({ merged: ["B", "A"], reported: { A: 1, B: -1, C: "dequeued" }, resets: 1 }, outcome)).toEqual([
      "merged: expected [B, A], got [A, B]",
      "reported.B: expected -1, got 1",
      "reported.C: expected dequeued, got (absent)",
      "resets: expected 1, got 0",
    ]);
  });
});

describe("generated streams", () => {
  it("depend only on the seed", () => {
    const spec = { changes: 50, arrivalsPerHour: 40, failureRate: 0.3, seed: 5 };
    expect(generateStream(spec)).toEqual(generateStream(spec));
    expect(generateStream(spec)).not.toEqual(generateStream({ ...spec, seed: 6 }));
    const fixed = generateStream({ changes: 3, arrivalInterval: 60, failureRate: 0, seed: 1 });
    expect(fixed.map((c) => [c.id, c.at, c.bad])).toEqual([["c1", 0, false], ["c2", 60, false], ["c3", 120, false]]);
  });

  it("compute throughput with nearest-rank p95", () => {
    const t = throughput(2, 7200, Array.from({ length: 20 }, (_, i) => i + 1), 5, 1);
    expect(t).toEqual({ mergesPerHour: 1, meanTimeInQueue: 10.5, p95TimeInQueue: 19, buildsStarted: 5, buildsWasted: 1 });
  });

  it("all-passing serial stream merges one change per job duration", () => {
    const { outcome } = runScenario(
      parseScenario("g.yaml", "name: g\npipeline: {manager: serial}\njobs: [{name: t, duration: 3600}]\ngenerate: {changes: 24, arrival-interval: 0}\n"),
    );
    expect(outcome.merged).toHaveLength(24);
    expect(outcome.throughput).toMatchObject({ mergesPerHour: 1, buildsStarted: 24, buildsWasted: 0 });
  });
});

describe("strategies in scenario files", () => {
  it("reads pipeline.strategy (default zuul), a change's risk and generate.risky", () => {
    expect(parseScenario("s.yaml", "name: x\n").strategy).toBe("zuul");
    const sc = parseScenario("s.yaml", "name: x\npipeline: {strategy: adaptive}\nchanges: [{id: A, risk: 0.3}, {id: B}]\n");
    expect(sc.strategy).toBe("adaptive");
    expect(sc.changes.map((c) => c.risk)).toEqual([0.3, undefined]);
    expect(problems("name: x\npipeline: {strategy: fast}\n")[0]).toMatch(/^s\.yaml:2: pipeline\.strategy: /);
    expect(problems("name: x\nchanges: [{id: A, risk: 2}]\n")[0]).toMatch(/changes\[0\]\.risk/);
  });

  it("risky streams tell each change's risk, keep the overall rate, and leave plain streams as they were", () => {
    const plain = { changes: 4000, arrivalInterval: 60, failureRate: 0.1, seed: 3 };
    const risky = generateStream({ ...plain, risky: { share: 0.1, rate: 0.8 } });
    const risks = [...new Set(risky.map((c) => c.risk!))].sort();
    expect(risks).toHaveLength(2);
    expect(risks[0]).toBeCloseTo((0.1 - 0.08) / 0.9, 10);
    expect(risks[1]).toBe(0.8);
    const bad = risky.filter((c) => c.bad).length / risky.length;
    expect(bad).toBeGreaterThan(0.08);
    expect(bad).toBeLessThan(0.12);
    expect(generateStream(plain).every((c) => c.risk === undefined)).toBe(true);
    const sc = parseScenario("g.yaml", "name: g\ngenerate: {changes: 5, arrival-interval: 60, failure-rate: 0.1, risky: {share: 0.5, rate: 0.2}}\n");
    expect(sc.changes.every((c) => typeof c.risk === "number")).toBe(true);
  });

  it("runs a file with another strategy on request and gives the figures for any file", () => {
    const sc = parseScenario("s.yaml", "name: x\njobs: [{name: t, duration: 60}]\nchanges: [{id: A, durations: {t: 120}}, {id: B}]\n");
    expect(runScenario(sc).outcome.finishedAt).toBe(120);
    const adaptive = runScenario(sc, { strategy: "adaptive" });
    expect(adaptive.outcome.finishedAt).toBe(60);
    expect(adaptive.stats).toMatchObject({ mergesPerHour: 120, buildsStarted: 2, buildsWasted: 1 });
  });
});
