import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { changeRisk, type JobHistory } from "../../../src/driver/risk.ts";
import type { BuildOutcome } from "../../../src/executor/executor.ts";
import type { BuildResult, Change, Command } from "../../../src/scheduler/index.ts";
import { type OpenStore, openDatabase } from "../../../src/store/db.ts";
import { checkResult, jobRecord } from "../../../src/store/flaky-queries.ts";
import { Journal } from "../../../src/store/journal.ts";

// The store's record of jobs and checks on a real SQLite store, written by the Journal as the
// driver writes it, and the risk the driver derives from it (src/driver/risk.ts).

let store: OpenStore;
let journal: Journal;
let nextBuild = 1;
beforeEach(() => {
  store = openDatabase(":memory:");
  journal = new Journal(store.db);
  nextBuild = 1;
});
afterEach(() => store.close());

const change = (n: number, patchset = 1): Change => ({
  id: String(n),
  project: "p",
  branch: "main",
  dependsOn: [],
  meta: { number: n, patchset, changeId: `I${n}`, revision: `r${n}`, ref: `refs/changes/${n}/${patchset}`, url: "", subject: "s", owner: "o" },
});

const outcome = (result: BuildResult, at: number): BuildOutcome => ({
  buildId: "x", result: result as BuildOutcome["result"], exitCode: 0, attempts: 1, message: "", infraErrors: [], startedAt: at * 1000, finishedAt: at * 1000 + 500, logPath: "", artifacts: [], artifactsDropped: 0,
});

/** One build of `job` for item `itemId`, ended with `result` after `retries` failed runs. */
function build(job: string, result: BuildResult, retries = 0, itemId = 1): void {
  const buildId = nextBuild++;
  const cmd: Command = { type: "start-build", buildId, buildsetId: 1, itemId, pipeline: "gate", job, mergeId: 1, state: ["1"] };
  journal.command(cmd, buildId, () => "q");
  for (let i = 0; i < retries; i++) journal.buildRetried(buildId);
  journal.buildFinished(buildId, outcome(result, buildId));
}

function report(itemId: number, pipeline: string, c: Change, result: 1 | -1, at: number): void {
  journal.command(
    { type: "report", itemId, pipeline, change: c, result, reason: "", submit: false, state: [c.id], buildsetId: null, jobs: [], enqueuedAt: at },
    at,
    () => "q",
  );
}

describe("jobRecord", () => {
  it("failure and flaky rates over the job's latest decided builds; ours and cancelled ones left out", () => {
    build("unit", "SUCCESS");
    build("unit", "SUCCESS", 1);
    build("unit", "FAILURE", 1);
    build("unit", "TIMED_OUT");
    build("unit", "ERROR");
    build("unit", "ABORTED");
    build("lint", "FAILURE");
    expect(jobRecord(store.db, "unit")).toEqual({ job: "unit", builds: 4, failureRate: 0.5, flakyRate: 0.25, flaky: 1 });
    expect(jobRecord(store.db, "nothing")).toEqual({ job: "nothing", builds: 0, failureRate: 0, flakyRate: 0, flaky: 0 });
    // The window: the latest builds only.
    expect(jobRecord(store.db, "unit", 2)).toMatchObject({ builds: 2, failureRate: 1, flakyRate: 0 });
  });

  it("a build is flaky only when it passed after a retry", () => {
    build("unit", "SUCCESS", 2);
    const row = store.sqlite.query("SELECT flaky, flaky_retries AS retries FROM builds").get();
    expect(row).toEqual({ flaky: 1, retries: 2 });
  });
});

describe("checkResult", () => {
  it("the latest reported check result on this very patchset", () => {
    report(1, "check", change(7, 1), -1, 100);
    report(2, "check", change(7, 2), -1, 200);
    report(3, "check", change(7, 2), 1, 300);
    report(4, "gate", change(8, 1), -1, 100);
    expect(checkResult(store.db, 7, 2, ["check"])).toBe(1);
    expect(checkResult(store.db, 7, 1, ["check"])).toBe(-1);
    expect(checkResult(store.db, 7, 3, ["check"])).toBeNull();
    expect(checkResult(store.db, 8, 1, ["check"])).toBeNull();
    expect(checkResult(store.db, 7, 2, [])).toBeNull();
  });
});

describe("the risk the driver gives the adaptive core, from this store", () => {
  const config = parseConfig(
    "gatebox.yaml",
    `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: X}}}
pipelines:
  - {name: check, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}
  - {name: gate, manager: dependent, strategy: adaptive, trigger: {gerrit: [{event: comment-added}]}}
jobs: [{name: unit, image: i, run: x}]
projects: [{name: p, check: {jobs: [unit]}, gate: {jobs: [unit]}}]
`,
  );
  const gate = config.pipelines.find((p) => p.name === "gate")!;
  const history = (): JobHistory => ({
    jobRecord: (job) => jobRecord(store.db, job),
    checkResult: (n, ps, pipelines) => checkResult(store.db, n, ps, pipelines),
  });

  it("a failed check presumes the change bad; the job's failure rate counts once measured", () => {
    report(1, "check", change(7), -1, 100);
    report(2, "check", change(9), 1, 100);
    expect(changeRisk(config, gate, change(7), history(), null)).toBe(0.9);
    expect(changeRisk(config, gate, change(9), history(), null)).toBeUndefined();
    expect(changeRisk(config, gate, change(10), history(), null)).toBeUndefined();
    for (let i = 0; i < 8; i++) build("unit", "SUCCESS");
    for (let i = 0; i < 2; i++) build("unit", "FAILURE");
    expect(changeRisk(config, gate, change(10), history(), null)).toBeCloseTo(0.2);
    expect(changeRisk(config, gate, change(9), history(), null)).toBeCloseTo(0.05);
  });
});
