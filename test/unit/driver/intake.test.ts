import { describe, expect, it } from "vitest";
import { intake } from "../../../src/driver/intake.ts";
import type { SchedulerEvent } from "../../../src/scheduler/types.ts";
import type { ChangeLookup, TriggerEvent, Votes } from "../../../src/sources/source.ts";
import { driverConfig, triggerEvent } from "./fixtures.ts";

const config = driverConfig("  - {name: org/a, check: {jobs: [unit]}, gate: {jobs: [unit]}, post: {jobs: [unit]}}");

function event(type: TriggerEvent["type"], extra: Partial<TriggerEvent> = {}): TriggerEvent {
  return triggerEvent({ type, ...extra });
}

/** The source: every change open, with no dependencies of its own; `votes` the current votes. */
function lookup(votes: Votes): ChangeLookup {
  return {
    change: async (number) => ({ status: "NEW", record: { id: String(number), project: "org/b", branch: "main", dependsOn: [] }, dependsOn: [] }),
    openByChangeId: async () => [],
    votes: async () => votes,
  };
}

/**
 * `enqueued`: the pipelines change 12 is in; `depIn`: those its dependency (change 7) is in.
 * Parked changes come out as `park:<pipeline>:<what it waits for>`.
 */
async function run(ev: TriggerEvent, votes: Votes, enqueued: string[] = [], patchsets: number[] = [1], depIn: string[] = ["gate"]) {
  const out: string[] = [];
  await intake(
    {
      config,
      submit: (e) => out.push(`${e.type}${"pipeline" in e ? `:${e.pipeline}` : ""}`),
      isEnqueued: (pipeline, changeId) => (changeId === "7" ? depIn : enqueued).includes(pipeline),
      enqueuedPatchsets: () => patchsets,
      lookup: lookup(votes),
      park: (entry) => out.push(`park:${entry.pipeline}:${entry.waitsFor.join(",")}`),
      log: () => {},
    },
    ev,
  );
  return out;
}

describe("intake", () => {
  it("a new patchset dequeues the old one everywhere, then enters check", async () => {
    expect(await run(event("patchset-created"), {})).toEqual(["new-patchset", "enqueue:check"]);
    // A repeated event for the patchset already enqueued (at-least-once delivery) dequeues nothing.
    expect(await run(event("patchset-created"), {}, ["gate"], [2])).toEqual(["enqueue:check"]);
  });

  it("Workflow +1 with Code-Review +2 enters the gate; without the +2 it does not", async () => {
    const wf = event("comment-added", { approvals: [{ label: "Workflow", value: 1, previous: 0 }] });
    expect(await run(wf, { "Code-Review": [2], Workflow: [1] })).toEqual(["enqueue:gate"]);
    expect(await run(wf, { "Code-Review": [1], Workflow: [1] })).toEqual([]);
  });

  it("enqueue-behind: a gate change whose open dependency is not in the gate waits for it, unvoted", async () => {
    const wf = event("comment-added", { approvals: [{ label: "Workflow", value: 1, previous: 0 }] });
    expect(await run(wf, { "Code-Review": [2], Workflow: [1] }, [], [1], [])).toEqual(["park:gate:7"]);
    // Check (independent) never waits: it merges the dependency into the item's state.
    expect(await run(event("patchset-created"), {}, [], [], [])).toEqual(["enqueue:check"]);
  });

  it("a withdrawn approval takes the change out of the gate", async () => {
    const withdrawn = event("comment-added", { approvals: [{ label: "Code-Review", value: -1, previous: 2 }] });
    expect(await run(withdrawn, { "Code-Review": [-1], Workflow: [1] }, ["gate"])).toEqual(["dequeue:gate"]);
    // Still approved: it stays.
    const other = event("comment-added", { approvals: [{ label: "Code-Review", value: 1, previous: 0 }] });
    expect(await run(other, { "Code-Review": [2, 1], Workflow: [1] }, ["gate"])).toEqual([]);
  });

  it("abandoned leaves every pipeline; merged satisfies dependencies and enters post", async () => {
    expect(await run(event("change-abandoned"), {})).toEqual(["abandon"]);
    expect(await run(event("change-merged"), {})).toEqual(["change-merged", "enqueue:post"]);
  });

  it("the enqueued change carries its resolved dependencies", async () => {
    const out: SchedulerEvent[] = [];
    await intake(
      { config, submit: (e) => out.push(e), isEnqueued: () => false, enqueuedPatchsets: () => [], lookup: lookup({}), park: () => {}, log: () => {} },
      event("patchset-created"),
    );
    const enq = out.find((e) => e.type === "enqueue");
    // Depends-On change 7, resolved at the source (open: a dependency, and a need of the item).
    expect(enq?.type === "enqueue" && enq.change.dependsOn).toEqual(["7"]);
    expect(enq?.type === "enqueue" && enq.needs?.map((c) => c.id)).toEqual(["7"]);
  });
});

describe("risk for the adaptive strategy", () => {
  it("a change whose own check failed is risky; otherwise the source says nothing", async () => {
    const { riskOf } = await import("../../../src/driver/intake.ts");
    expect(riskOf({ Verified: [-1], "Code-Review": [2] })).toBe(0.9);
    expect(riskOf({ Verified: [1] })).toBeUndefined();
    expect(riskOf({})).toBeUndefined();
  });
});
