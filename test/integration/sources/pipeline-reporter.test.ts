import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import type { GateboxConfig, PipelineConfig } from "../../../src/config/model.ts";
import type { Change, JobReport, ReportResult } from "../../../src/scheduler/index.ts";
import { GerritClient } from "../../../src/sources/gerrit/client.ts";
import { GerritPipelineReporter } from "../../../src/sources/gerrit/pipeline-reporter.ts";
import { GerritReporter } from "../../../src/sources/gerrit/reporter.ts";
import { type ReportCommand, schedulerChange } from "../../../src/sources/source.ts";
import { GerritSimulator } from "../../support/gerrit/simulator.ts";

/**
 * GerritPipelineReporter (the Reporter the driver is given) on its own, against the Gerrit
 * simulator: the pipelines' start/success/failure actions from a real config become votes,
 * messages and submits, and the cases the Reporter contract names (dequeued, error, stale,
 * already merged) are kept.
 */

const WEB = "https://gatebox.example.org";
const PROJECT = "org/project";

let sim: GerritSimulator;
let client: GerritClient;
let reporter: GerritPipelineReporter;
let config: GateboxConfig;

beforeAll(async () => {
  sim = await GerritSimulator.start();
  client = new GerritClient({ url: sim.url, username: sim.ci.username, password: sim.ci.password, backoffMs: 1 });
  reporter = new GerritPipelineReporter(new GerritReporter(client), WEB);
  await sim.createProject(PROJECT, { files: { "README": "base\n" } });
  config = parseConfig(
    "gatebox.yaml",
    `
connections: {gerrit: {url: "${sim.url}", user: gatebox, password: {env: GATEBOX_UNUSED}}}
pipelines:
  - name: check
    manager: independent
    trigger: {gerrit: [{event: patchset-created}]}
    start: {gerrit: {labels: {Verified: 0}, comment: false}}
    success: {gerrit: {labels: {Verified: 1}}}
    failure: {gerrit: {labels: {Verified: -1}}}
  - name: gate
    manager: dependent
    trigger: {gerrit: [{event: comment-added, approval: {Workflow: 1}}]}
    start: {gerrit: {labels: {Verified: 0}}}
    success: {gerrit: {labels: {Verified: 2}, submit: true}}
    failure: {gerrit: {labels: {Verified: -2}}}
  - name: post
    manager: independent
    trigger: {gerrit: [{event: change-merged}]}
jobs: [{name: unit, image: b, run: x}, {name: lint, image: b, run: x}]
projects: [{name: ${PROJECT}, check: {jobs: [unit, lint]}, gate: {jobs: [unit, lint]}, post: {jobs: [unit]}}]
`,
  );
});
afterAll(async () => {
  expect(sim?.errors).toEqual([]);
  await sim?.stop();
});

function pipeline(name: string): PipelineConfig {
  const p = config.pipelines.find((x) => x.name === name);
  if (!p) throw new Error(`no pipeline ${name}`);
  return p;
}

/** A new change with Code-Review +2 and Workflow +1 (so that the gate may submit it). */
async function approvedChange(file: string): Promise<number> {
  const number = await sim.uploadChange(PROJECT, { files: { [file]: `${file}\n` }, message: `Add ${file}\n` });
  await sim.approve(number, "Code-Review", 2);
  await sim.approve(number, "Workflow", 1);
  return number;
}

/** The scheduler's record of the change at its current patchset (or at `patchset`), as the driver carries it. */
function record(number: number, patchset?: number): Change {
  const c = sim.change(number);
  const ps = patchset === undefined ? c.patchsets.at(-1)! : c.patchsets.find((p) => p.number === patchset)!;
  return schedulerChange(c.project, c.branch, {
    number,
    patchset: ps.number,
    revision: ps.sha,
    changeId: c.changeId,
    subject: ps.subject,
    owner: { accountId: c.owner, name: "Ann" },
    url: `${sim.url}/c/${c.project}/+/${number}`,
    ref: ps.ref,
    dependsOn: [],
  });
}

const JOBS: JobReport[] = [
  { job: "unit", voting: true, status: "SUCCESS", buildId: 41, startedAt: 1000, endedAt: 1192 },
  { job: "lint", voting: true, status: "SUCCESS", buildId: 42, startedAt: 1000, endedAt: 1003 },
];

function report(change: Change, pipelineName: string, result: ReportResult, extra: Partial<ReportCommand> = {}): ReportCommand {
  return {
    type: "report",
    itemId: 7,
    pipeline: pipelineName,
    change,
    result,
    reason: "",
    submit: false,
    state: [change.id],
    buildsetId: 3,
    jobs: JOBS,
    // Seconds; the reporter only counts its own messages since the item entered.
    enqueuedAt: Math.floor(Date.now() / 1000) - 1,
    ...extra,
  };
}

/** What the reporter posted or submitted on `number` while `fn` ran. */
async function activity(number: number, fn: () => Promise<unknown>) {
  const reviews = sim.reviews.length;
  const merges = sim.merges.length;
  const requests = sim.requests.length;
  const answer = await fn();
  return {
    answer,
    reviews: sim.reviews.slice(reviews).filter((r) => r.change === number),
    merges: sim.merges.slice(merges).filter((m) => m.change === number),
    posts: sim.requests.slice(requests).filter((q) => q.method === "POST"),
  };
}

describe("GerritPipelineReporter against the simulator", () => {
  it("never votes or posts on a dequeued result, in any pipeline", async () => {
    const number = await approvedChange("dequeued.txt");
    for (const name of ["check", "gate", "post"]) {
      const seen = await activity(number, () => reporter.report(pipeline(name), report(record(number), name, "dequeued")));
      expect(seen.answer).toBeNull();
      expect(seen.reviews).toEqual([]);
      expect(seen.posts).toEqual([]);
    }
    expect(sim.change(number).status).toBe("NEW");
  });

  it("check: success votes Verified +1 with each job, its duration and its log link; failure votes -1", async () => {
    const number = await approvedChange("check.txt");
    const ok = await activity(number, () => reporter.report(pipeline("check"), report(record(number), "check", 1)));
    expect(ok.answer).toBeNull();
    expect(ok.reviews).toHaveLength(1);
    expect(ok.reviews[0]).toMatchObject({ account: "gatebox", labels: { Verified: 1 }, tag: "autogenerated:gatebox:check", notify: "OWNER" });
    expect(ok.reviews[0]!.recorded).toBe(
      `Patch Set 1: Verified+1\n\nBuild succeeded (check pipeline).\n\n- unit ${WEB}/builds/41 : SUCCESS in 3m 12s\n- lint ${WEB}/builds/42 : SUCCESS in 3s\n\nChange page: ${WEB}/changes/${number}`,
    );
    const failed = report(record(number), "check", -1, {
      jobs: [{ ...JOBS[0]!, status: "FAILURE" }, JOBS[1]!],
    });
    const bad = await activity(number, () => reporter.report(pipeline("check"), failed));
    expect(bad.answer).toBeNull();
    expect(bad.reviews).toHaveLength(1);
    expect(bad.reviews[0]!.labels).toEqual({ Verified: -1 });
    expect(bad.reviews[0]!.recorded).toMatch(/^Patch Set 1: Verified-1\n\nBuild failed \(check pipeline\)\.\n\n- unit \S+ : FAILURE in 3m 12s\n/);
    expect(bad.merges).toEqual([]);
    expect(sim.change(number).status).toBe("NEW");
  });

  it("gate: success votes Verified +2 and submits the tested patchset", async () => {
    const number = await approvedChange("gate-ok.txt");
    const change = record(number);
    const seen = await activity(number, () => reporter.report(pipeline("gate"), report(change, "gate", 1, { submit: true })));
    expect(seen.answer).toMatchObject({ ok: true });
    expect(seen.reviews).toHaveLength(1);
    expect(seen.reviews[0]).toMatchObject({ labels: { Verified: 2 }, tag: "autogenerated:gatebox:gate" });
    expect(seen.reviews[0]!.recorded).toMatch(/^Patch Set 1: Verified\+2\n\nBuild succeeded \(gate pipeline\)\./);
    expect(seen.merges).toHaveLength(1);
    expect(sim.change(number).status).toBe("MERGED");
    expect(await sim.branchTip(PROJECT)).toBe(sim.change(number).patchsets[0]!.sha);
    expect(seen.posts.some((q) => q.path.endsWith(`/revisions/${sim.change(number).patchsets[0]!.sha}/submit`))).toBe(true);
  });

  it("gate: failure votes Verified -2 and does not submit; a merge conflict too, saying so", async () => {
    const number = await approvedChange("gate-bad.txt");
    const failed = await activity(number, () =>
      reporter.report(pipeline("gate"), report(record(number), "gate", -1, { reason: "unit failed", jobs: [{ ...JOBS[0]!, status: "FAILURE" }] })),
    );
    expect(failed.answer).toBeNull();
    expect(failed.reviews).toHaveLength(1);
    expect(failed.reviews[0]!.labels).toEqual({ Verified: -2 });
    expect(failed.reviews[0]!.recorded).toMatch(/^Patch Set 1: Verified-2\n\nBuild failed \(gate pipeline\)\.\n\nunit failed\n\n- unit /);
    const other = await approvedChange("gate-conflict.txt");
    const conflict = await activity(other, () =>
      reporter.report(pipeline("gate"), report(record(other), "gate", "merge-conflict", { reason: "CONFLICT (content): README", jobs: [] })),
    );
    expect(conflict.reviews).toHaveLength(1);
    expect(conflict.reviews[0]!.labels).toEqual({ Verified: -2 });
    expect(conflict.reviews[0]!.recorded).toBe(
      `Patch Set 1: Verified-2\n\nMerge failed (gate pipeline): the change cannot be merged.\n\nCONFLICT (content): README\n\nChange page: ${WEB}/changes/${other}`,
    );
    expect([...failed.merges, ...conflict.merges]).toEqual([]);
    expect(sim.change(number).status).toBe("NEW");
    expect(sim.change(other).status).toBe("NEW");
  });

  it("start: the gate votes Verified 0 with its start message and status link; check votes 0 without a message", async () => {
    const number = await approvedChange("start.txt");
    const gate = await activity(number, () => reporter.start(pipeline("gate"), record(number)));
    expect(gate.reviews).toHaveLength(1);
    expect(gate.reviews[0]).toMatchObject({ labels: { Verified: 0 }, tag: "autogenerated:gatebox:gate", notify: "NONE" });
    expect(gate.reviews[0]!.message).toBe(`Starting gate jobs.\n${WEB}/?change=${number}`);
    const check = await activity(number, () => reporter.start(pipeline("check"), record(number)));
    expect(check.reviews).toHaveLength(1);
    expect(check.reviews[0]!.labels).toEqual({ Verified: 0 });
    expect(check.reviews[0]!.message).toBeUndefined();
    // A pipeline without a start action (post) posts nothing.
    const post = await activity(number, () => reporter.start(pipeline("post"), record(number)));
    expect(post.reviews).toEqual([]);
    expect(post.posts).toEqual([]);
  });

  it("an error result posts its message without any vote", async () => {
    const number = await approvedChange("error.txt");
    for (const name of ["check", "gate"]) {
      const seen = await activity(number, () =>
        reporter.report(pipeline(name), report(record(number), name, "error", { reason: "the workspace could not be made", jobs: [{ ...JOBS[0]!, status: "RETRY_LIMIT" }] })),
      );
      expect(seen.answer).toBeNull();
      expect(seen.reviews).toHaveLength(1);
      expect(seen.reviews[0]!.labels).toEqual({});
      expect(seen.reviews[0]!.recorded).toBe(
        `Patch Set 1:\n\nBuild could not run (${name} pipeline): an infrastructure error, not the change's fault.\n\nthe workspace could not be made\n\n- unit ${WEB}/builds/41 : RETRY_LIMIT in 3m 12s\n\nChange page: ${WEB}/changes/${number}`,
      );
    }
    expect(sim.change(number).votes.filter((v) => v.label === "Verified")).toEqual([]);
  });

  it("a stale patchset (a newer one was uploaded) gets nothing: no vote, no message, no submit", async () => {
    const number = await approvedChange("stale.txt");
    const tested = record(number);
    await sim.uploadPatchset(number, { files: { "stale.txt": "newer\n" } });
    const check = await activity(number, () => reporter.report(pipeline("check"), report(tested, "check", 1)));
    expect(check.answer).toBeNull();
    const gate = await activity(number, () => reporter.report(pipeline("gate"), report(tested, "gate", 1, { submit: true })));
    expect(gate.answer).toEqual({ ok: false, reason: "a newer patchset was uploaded; the tested one was not submitted" });
    const start = await activity(number, () => reporter.start(pipeline("gate"), tested));
    for (const seen of [check, gate, start]) {
      expect(seen.reviews).toEqual([]);
      expect(seen.posts).toEqual([]);
      expect(seen.merges).toEqual([]);
    }
    expect(sim.change(number).status).toBe("NEW");
  });

  it("a change already merged answers { ok: true } on submit and posts nothing more", async () => {
    const number = await approvedChange("merged.txt");
    const change = record(number);
    await sim.comment(number, "ok", "gatebox", { Verified: 2 });
    await client.submit(PROJECT, number);
    expect(sim.change(number).status).toBe("MERGED");
    // As after a crash: the driver re-sends the report it had not finished.
    const seen = await activity(number, () => reporter.report(pipeline("gate"), report(change, "gate", 1, { submit: true })));
    expect(seen.answer).toMatchObject({ ok: true });
    expect(seen.reviews).toEqual([]);
    expect(seen.posts).toEqual([]);
    expect(seen.merges).toEqual([]);
  });
});
