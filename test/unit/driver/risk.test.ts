import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { changeRisk, type JobHistory, retriesFlaky } from "../../../src/driver/risk.ts";
import type { BuildOutcome } from "../../../src/executor/executor.ts";
import type { Change } from "../../../src/scheduler/index.ts";

const config = parseConfig(
  "gatebox.yaml",
  `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: X}}}
pipelines:
  - {name: check, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}
  - {name: gate, manager: dependent, strategy: adaptive, trigger: {gerrit: [{event: comment-added}]}}
  - {name: zuul-gate, manager: dependent, trigger: {gerrit: [{event: comment-added}]}}
  - {name: post, manager: independent, post-review: true, trigger: {gerrit: [{event: change-merged}]}}
jobs:
  - {name: unit, image: i, run: x, retry-flaky: 1}
  - {name: lint, image: i, run: x}
  - {name: docs, image: i, run: x, voting: false}
  - {name: fussy, image: i, run: x, retry-flaky: 2, retry-flaky-above: 5%}
projects: [{name: p, check: {jobs: [unit]}, gate: {jobs: [unit, lint, docs]}, zuul-gate: {jobs: [unit]}}]
`,
);
const gate = config.pipelines.find((p) => p.name === "gate")!;
const change: Change = {
  id: "7",
  project: "p",
  branch: "main",
  dependsOn: [],
  meta: { number: 7, patchset: 2, changeId: "I7", revision: "r", ref: "refs/changes/07/7/2", url: "", subject: "s", owner: "o" },
};

function history(rates: Record<string, { builds: number; failureRate: number; flakyRate?: number }>, check: 1 | -1 | null = null) {
  const asked: unknown[] = [];
  const h: JobHistory = {
    jobRecord: (job) => ({ flakyRate: 0, ...(rates[job] ?? { builds: 0, failureRate: 0 }) }),
    checkResult: (n, ps, pipelines) => {
      asked.push([n, ps, pipelines]);
      return check;
    },
  };
  return { h, asked };
}

describe("changeRisk: what the adaptive strategy is told of a change in serve", () => {
  it("combines the voting jobs' failure rates (unmeasured and non-voting jobs left out)", () => {
    const { h } = history({ unit: { builds: 50, failureRate: 0.1 }, lint: { builds: 50, failureRate: 0.2 }, docs: { builds: 50, failureRate: 0.9 } });
    expect(changeRisk(config, gate, change, h, null)).toBeCloseTo(1 - 0.9 * 0.8);
    const few = history({ unit: { builds: 9, failureRate: 0.5 } });
    expect(changeRisk(config, gate, change, few.h, null)).toBeUndefined();
  });

  it("a failed check on this patchset presumes the change bad; a passed one lowers the jobs' rate", () => {
    const failed = history({}, -1);
    expect(changeRisk(config, gate, change, failed.h, null)).toBe(0.9);
    expect(failed.asked).toEqual([[7, 2, ["check"]]]);
    const passed = history({ unit: { builds: 50, failureRate: 0.2 } }, 1);
    expect(changeRisk(config, gate, change, passed.h, null)).toBeCloseTo(0.2 * 0.25);
    // A passed check and nothing measured: the queue's own rate stands.
    expect(changeRisk(config, gate, change, history({}, 1).h, null)).toBeUndefined();
  });

  it("without a stored check a negative Verified says the same; a stored result wins over votes", () => {
    expect(changeRisk(config, gate, change, history({}).h, { Verified: [-1] })).toBe(0.9);
    expect(changeRisk(config, gate, change, undefined, { Verified: [-1] })).toBe(0.9);
    expect(changeRisk(config, gate, change, history({}, 1).h, { Verified: [-1] })).toBeUndefined();
    expect(changeRisk(config, gate, change, undefined, { Verified: [1] })).toBeUndefined();
  });

  it("only adaptive pipelines get a risk", () => {
    const zuul = config.pipelines.find((p) => p.name === "zuul-gate")!;
    expect(changeRisk(config, zuul, change, history({}, -1).h, null)).toBeUndefined();
  });
});

describe("retriesFlaky: whether a failed run runs again", () => {
  const outcome = (result: BuildOutcome["result"]): BuildOutcome => ({
    buildId: "1", result, exitCode: 1, attempts: 1, message: "", infraErrors: [], startedAt: 0, finishedAt: 1, logPath: "", artifacts: [], artifactsDropped: 0,
  });
  const unit = config.jobs.get("unit")!;
  const lint = config.jobs.get("lint")!;
  const fussy = config.jobs.get("fussy")!;

  it("a voting job's FAILURE or TIMED_OUT, while retries are left", () => {
    expect(unit.retryFlaky).toBe(1);
    expect(lint.retryFlaky).toBe(0);
    expect(retriesFlaky(unit, outcome("FAILURE"), 0, undefined)).toBe(true);
    expect(retriesFlaky(unit, outcome("TIMED_OUT"), 0, undefined)).toBe(true);
    expect(retriesFlaky(unit, outcome("FAILURE"), 1, undefined)).toBe(false);
    for (const r of ["SUCCESS", "RETRY_LIMIT", "ABORTED"] as const) expect(retriesFlaky(unit, outcome(r), 0, undefined)).toBe(false);
    expect(retriesFlaky(lint, outcome("FAILURE"), 0, undefined)).toBe(false);
    expect(retriesFlaky({ ...unit, voting: false }, outcome("FAILURE"), 0, undefined)).toBe(false);
  });

  it("retry-flaky-above: while the measured flaky rate is at least the threshold, or not measured yet", () => {
    expect(fussy.retryFlakyAbove).toBe(0.05);
    expect(retriesFlaky(fussy, outcome("FAILURE"), 0, history({ fussy: { builds: 5, failureRate: 0, flakyRate: 0 } }).h)).toBe(true);
    expect(retriesFlaky(fussy, outcome("FAILURE"), 1, history({ fussy: { builds: 100, failureRate: 0, flakyRate: 0.05 } }).h)).toBe(true);
    expect(retriesFlaky(fussy, outcome("FAILURE"), 0, history({ fussy: { builds: 100, failureRate: 0, flakyRate: 0.04 } }).h)).toBe(false);
  });
});
