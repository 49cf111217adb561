import { describe, expect, it } from "vitest";
import { changeFromEvent, meetsRequirements, pipelinesTriggered } from "../../../src/driver/triggers.ts";
import type { TriggerEvent } from "../../../src/sources/source.ts";
import { driverConfig, triggerEvent } from "./fixtures.ts";

const config = driverConfig("  - {name: org/a, check: {jobs: [unit]}, gate: {jobs: [unit]}}");
const event = triggerEvent;

const names = (e: TriggerEvent) => pipelinesTriggered(config, e).map((p) => p.name);

describe("trigger matching", () => {
  it("a new patchset enters check", () => {
    expect(names(event({}))).toEqual(["check"]);
  });
  it("a recheck comment enters check; other comments do nothing", () => {
    expect(names(event({ type: "comment-added", comment: "recheck" }))).toEqual(["check"]);
    expect(names(event({ type: "comment-added", comment: "please recheck this" }))).toEqual([]);
  });
  it("Workflow +1 enters the gate; Workflow going to 0 does not", () => {
    expect(names(event({ type: "comment-added", approvals: [{ label: "Workflow", value: 1, previous: 0 }] }))).toEqual(["gate"]);
    expect(names(event({ type: "comment-added", approvals: [{ label: "Workflow", value: 0, previous: 1 }] }))).toEqual([]);
  });
  it("projects not configured, or not in a pipeline, are ignored", () => {
    expect(names(event({ project: "org/other" }))).toEqual([]);
    expect(names(event({ type: "change-merged" }))).toEqual([]);
  });
  it("requirements need the votes, and a -2 blocks", () => {
    const gate = config.pipelines.find((p) => p.name === "gate")!;
    expect(meetsRequirements(gate, { "Code-Review": [2], Workflow: [1] })).toEqual({ ok: true, missing: [] });
    expect(meetsRequirements(gate, { "Code-Review": [1], Workflow: [1] }).missing).toEqual(["Code-Review+2"]);
    expect(meetsRequirements(gate, { "Code-Review": [2, -2], Workflow: [1] }).ok).toBe(false);
  });
  it("turns the event's change into the scheduler's change, with Depends-On", () => {
    const c = changeFromEvent(event({}));
    expect(c).toMatchObject({ id: "12", project: "org/a", branch: "main", dependsOn: ["7"] });
    expect(c.meta).toMatchObject({ patchset: 2, ref: "refs/changes/12/12/2", owner: "Ann" });
  });
});
