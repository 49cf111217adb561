import { describe, expect, it } from "vitest";
import type { PipelineConfig } from "../../../src/config/model.ts";
import { meetsRequirements } from "../../../src/driver/triggers.ts";
import type { ChangeState, Votes } from "../../../src/sources/source.ts";
import { approvalGaps, changeReasons, type ReasonInput } from "../../../src/web/change-reasons.ts";

const gate = { name: "gate", require: { approvals: { "Code-Review": 2, Workflow: 1 } } };
const check = { name: "check", require: { approvals: {} } };

function state(extra: Partial<ChangeState> = {}): ChangeState {
  return { number: 13, project: "org/p", branch: "main", status: "NEW", wip: false, patchset: 2, subject: "Fix it", url: "http://g/c/org/p/+/13", owner: "Ann", votes: {}, ...extra };
}

function input(extra: Partial<ReasonInput> = {}): ReasonInput {
  return {
    number: 13,
    source: { ok: true, state: state() },
    storedStatus: null,
    project: "org/p",
    pipelines: [check, gate],
    live: [],
    parked: [],
    lastItems: [],
    ...extra,
  };
}

const kinds = (r: { kind: string }[]) => r.map((x) => x.kind);

describe("approvalGaps", () => {
  it("names each lacking vote in a sentence", () => {
    const gaps = approvalGaps(gate, { "Code-Review": [2] });
    expect(gaps).toEqual([{ kind: "needs-approval", pipeline: "gate", label: "Workflow", need: 1, text: "needs Workflow +1 to enter gate" }]);
    expect(approvalGaps(gate, {}).map((g) => g.text)).toEqual(["needs Code-Review +2 to enter gate", "needs Workflow +1 to enter gate"]);
  });

  it("says a -2 blocks, even beside a +2", () => {
    const gaps = approvalGaps(gate, { "Code-Review": [2, -2], Workflow: [1] });
    expect(gaps).toEqual([{ kind: "vetoed", pipeline: "gate", label: "Code-Review", value: -2, text: "has Code-Review -2, which keeps it out of gate" }]);
  });

  it("reads zero and negative requirements as the driver does", () => {
    const odd = { name: "odd", require: { approvals: { Verified: -1, Workflow: 0 } } };
    expect(approvalGaps(odd, {}).map((g) => g.text)).toEqual(["needs Verified -1 or lower to enter odd", "needs a Workflow vote of 0 or more to enter odd"]);
    expect(approvalGaps(odd, { Verified: [-2], Workflow: [0] })).toEqual([]);
  });

  it("agrees with the driver's meetsRequirements on every combination of votes", () => {
    const values = [-2, -1, 1, 2];
    const requirements: Record<string, number>[] = [{ "Code-Review": 2, Workflow: 1 }, { Verified: -1 }, { Workflow: 0 }, { "Code-Review": 1 }];
    let compared = 0;
    for (const approvals of requirements) {
      const pipeline = { name: "p", require: { approvals } } as unknown as PipelineConfig;
      for (const cr of [[], ...values.map((v) => [v]), [2, -2]]) {
        for (const other of [[], ...values.map((v) => [v])]) {
          const votes: Votes = { "Code-Review": cr, Workflow: other, Verified: other };
          const driver = meetsRequirements(pipeline, votes);
          const gaps = approvalGaps({ name: "p", require: { approvals } }, votes);
          expect(gaps.length === 0, JSON.stringify({ approvals, votes })).toBe(driver.ok);
          expect(gaps.map((g) => g.kind === "needs-approval" || g.kind === "vetoed" ? g.label : "").sort()).toEqual(driver.missing.map((m) => m.replace(/[+-]?\d+$/, "")).sort());
          compared++;
        }
      }
    }
    expect(compared).toBe(4 * 6 * 5);
  });
});

describe("changeReasons", () => {
  it("a change lacking approvals: one reason per missing vote, for the pipelines it is not in", () => {
    const r = changeReasons(input({ source: { ok: true, state: state({ votes: { "Code-Review": [2] } }) }, live: ["check"] }));
    expect(r.map((x) => x.text)).toEqual(["needs Workflow +1 to enter gate"]);
    // In the gate already: nothing to explain there.
    expect(changeReasons(input({ live: ["gate"] }))).toEqual([]);
  });

  it("waits for a dependency, named", () => {
    const r = changeReasons(input({ source: { ok: true, state: state({ votes: { "Code-Review": [2], Workflow: [1] } }) }, parked: [{ pipeline: "gate", waitsFor: ["12"] }] }));
    expect(r).toEqual([{ kind: "waiting-on-dependency", pipeline: "gate", dependency: "12", text: "waits for change 12, which it depends on, to enter gate (or merge)" }]);
  });

  it("work in progress, abandoned and merged come from the source", () => {
    expect(kinds(changeReasons(input({ source: { ok: true, state: state({ wip: true, votes: { "Code-Review": [2], Workflow: [1] } }) } })))).toEqual(["work-in-progress"]);
    expect(kinds(changeReasons(input({ source: { ok: true, state: state({ status: "ABANDONED" }) } })))).toEqual(["abandoned"]);
    expect(kinds(changeReasons(input({ source: { ok: true, state: state({ status: "MERGED" }) } })))).toEqual(["merged"]);
  });

  it("a merge conflict last time, with git's message, unless a newer patchset came since", () => {
    const votes = { "Code-Review": [2], Workflow: [1] };
    const last = { pipeline: "gate", patchset: 2, result: "merge-conflict", buildsetResult: "MERGE_CONFLICT", reason: "CONFLICT (content): Merge conflict in README" };
    const r = changeReasons(input({ source: { ok: true, state: state({ votes }) }, lastItems: [last] }));
    expect(r).toEqual([
      {
        kind: "merge-conflict",
        pipeline: "gate",
        patchset: 2,
        message: "CONFLICT (content): Merge conflict in README",
        text: "did not merge onto the branch last time in gate (patchset 2): rebase it and upload a new patchset",
      },
    ]);
    expect(kinds(changeReasons(input({ source: { ok: true, state: state({ votes, patchset: 3 }) }, lastItems: [last] })))).toEqual(["awaiting-trigger"]);
  });

  it("Gerrit not answering: says so, and goes on with what the store knows", () => {
    const r = changeReasons(input({ source: { ok: false, unknown: false, message: "Gerrit did not answer" }, storedStatus: "MERGED" }));
    expect(kinds(r)).toEqual(["source-unavailable", "merged"]);
    expect(r[0]!.text).toBe("Gerrit could not be asked (Gerrit did not answer): this page shows only what gatebox recorded");
    const conflict = { pipeline: "gate", patchset: 1, result: "merge-conflict", buildsetResult: "MERGE_CONFLICT", reason: "x" };
    expect(kinds(changeReasons(input({ source: { ok: false, unknown: false, message: "down" }, lastItems: [conflict] })))).toEqual(["source-unavailable", "merge-conflict"]);
  });

  it("an unknown change, a project gatebox does not follow, and nothing holding it back", () => {
    expect(kinds(changeReasons(input({ source: { ok: false, unknown: true, message: "no" } })))).toEqual(["unknown-to-source"]);
    expect(changeReasons(input({ pipelines: null, project: "org/other" }))[0]).toMatchObject({ kind: "project-not-configured", text: "its project org/other is not in gatebox's config" });
    expect(kinds(changeReasons(input({ source: { ok: true, state: state({ votes: { "Code-Review": [2], Workflow: [1] } }) } })))).toEqual(["awaiting-trigger"]);
  });
});
