import { describe, expect, expectTypeOf, it } from "vitest";
import type { TriggerConfig } from "../../../src/config/model.ts";
import { TRIGGER_EVENTS } from "../../../src/config/schema.ts";
import { jobSpec } from "../../../src/driver/jobs.ts";
import type { TriggerEventType } from "../../../src/sources/source.ts";
import { accepted, problems, withValues } from "./support.ts";

// A key that nothing reads is an error, never a setting silently ignored.

describe("trigger events", () => {
  it("offers exactly the events the Gerrit source emits", () => {
    expectTypeOf<TriggerConfig["event"]>().toEqualTypeOf<TriggerEventType>();
    expect([...TRIGGER_EVENTS].sort()).toEqual(
      ["change-abandoned", "change-merged", "change-restored", "comment-added", "patchset-created"],
    );
  });

  it("refuses ref-updated, listing the valid events", () => {
    const text = withValues().replace("{event: comment-added, approval: {Workflow: 1}}", "{event: ref-updated}");
    expect(problems(text)).toEqual([
      'gatebox.yaml:12: pipelines[0].trigger.gerrit[0].event: unknown event "ref-updated" ' +
        "(events: patchset-created, comment-added, change-merged, change-abandoned, change-restored)",
    ]);
  });

  it("refuses a vote or comment filter on an event that carries none", () => {
    const votes = withValues().replace("event: comment-added", "event: patchset-created");
    expect(problems(votes)).toEqual([
      "gatebox.yaml:12: pipelines[0].trigger.gerrit[0].approval: only comment-added events carry votes: this trigger would never fire",
    ]);
    const comment = withValues().replace("{event: comment-added, approval: {Workflow: 1}}", "{event: change-merged, comment: x}");
    expect(problems(comment)[0]).toMatch(/trigger\.gerrit\[0\]\.comment: only comment-added events carry a comment/);
  });
});

describe("reporters", () => {
  const pipeline = (lines: string, manager = "dependent") =>
    withValues({ pipeline: lines.replaceAll("\n", "\n    ") }).replace("manager: dependent", `manager: ${manager}`);

  it("accepts each moment's own keys", () => {
    const p = accepted(
      pipeline("start: {gerrit: {labels: {Verified: 0}, comment: false}}\nsuccess: {gerrit: {labels: {Verified: 2}, submit: true}}"),
    ).pipelines[0];
    expect(p?.start).toEqual({ labels: { Verified: 0 }, submit: false, comment: false });
    expect(p?.success).toEqual({ labels: { Verified: 2 }, submit: true, comment: true });
  });

  it.each([
    ["start: {gerrit: {submit: true}}", "pipelines[0].start.gerrit.submit: unknown key"],
    ["success: {gerrit: {comment: false}}", "pipelines[0].success.gerrit.comment: unknown key"],
    ["failure: {gerrit: {submit: true}}", "pipelines[0].failure.gerrit.submit: unknown key"],
    ["success: {gerrit: {labels: {Verified: 1, Code-Review: 1}}}", "pipelines[0].success.gerrit.labels: give one label to vote"],
  ])("refuses %s", (line, message) => {
    expect(problems(pipeline(line))).toEqual([expect.stringContaining(`gatebox.yaml:13: ${message}`)]);
  });

  it("refuses submit on an independent pipeline, which never submits", () => {
    expect(problems(pipeline("success: {gerrit: {submit: true}}", "independent"))).toEqual([
      "gatebox.yaml:13: pipelines[0].success.gerrit.submit: only dependent and serial pipelines submit changes",
    ]);
  });
});

describe("settings that only some pipelines have", () => {
  it("refuses window settings outside dependent pipelines", () => {
    for (const manager of ["independent", "serial"]) {
      const text = withValues({ pipeline: "window: 5" }).replace("manager: dependent", `manager: ${manager}`);
      expect(problems(text)).toEqual([`gatebox.yaml:13: pipelines[0].window: only dependent pipelines have a window (this one is ${manager})`]);
    }
  });

  it("refuses a shared queue under an independent pipeline", () => {
    const text = withValues().replace("manager: dependent", "manager: independent").replace("gate: {jobs: [unit]}", "gate: {jobs: [unit], queue: q}");
    expect(problems(text)).toEqual(["gatebox.yaml:24: projects[0].gate.queue: pipeline gate is independent: its items share no queue"]);
    // The project-wide queue names the queue of its dependent pipelines: fine.
    expect(accepted(text.replace("gate: {jobs: [unit], queue: q}", "queue: q\n    gate: {jobs: [unit]}")).projects).toHaveLength(1);
  });

  it("refuses an endpoint on a local executor", () => {
    expect(problems(withValues({ executor: "type: local\n    endpoint: tcp://127.0.0.1:2375" }))).toEqual([
      "gatebox.yaml:22: executors[0].endpoint: only docker executors have an endpoint",
    ]);
  });
});

describe("separate-stderr", () => {
  it("is off by default and reaches the executor's JobSpec when set", () => {
    const unit = (line?: string) => accepted(withValues(line ? { job: line } : {})).jobs.get("unit");
    expect(unit()?.separateStderr).toBe(false);
    expect(jobSpec(unit()!).separateStderr).toBe(false);
    expect(jobSpec(unit("separate-stderr: true")!).separateStderr).toBe(true);
    expect(problems(withValues({ job: "separate-stderr: yes please" }))[0]).toMatch(/^gatebox\.yaml:18: jobs\[0\]\.separate-stderr: /);
  });
});
