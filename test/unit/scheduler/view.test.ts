import { describe, expect, it } from "vitest";
import { type Command, type Layout, Scheduler } from "../../../src/scheduler/index.ts";

const gate = (jobs: string[]): Layout => ({
  pipelines: [{ name: "gate", manager: "dependent" }],
  projects: [{ name: "p", pipelines: { gate: { jobs } } }],
  jobs: jobs.map((name) => ({ name })),
});
const change = (id: string) => ({ id, project: "p", branch: "main", dependsOn: [] });
const of = <T extends Command["type"]>(cmds: Command[], type: T) =>
  cmds.filter((c): c is Extract<Command, { type: T }> => c.type === type);

describe("view", () => {
  it("says a job of an item whose merge failed will not run, instead of waiting on the merge", () => {
    const s = new Scheduler(gate(["x", "y"]));
    const merges = ["A", "B"].flatMap((id) => of(s.handle({ type: "enqueue", pipeline: "gate", change: change(id) }, 0), "merge"));
    s.handle({ type: "merge-done", mergeId: merges[0]!.mergeId }, 0);
    s.handle({ type: "merge-failed", mergeId: merges[1]!.mergeId, reason: "conflict in a.txt" }, 0);
    // B conflicts but stays behind A (not failing, still testing) until A is reported.
    const [a, b] = s.view().pipelines[0]!.queues[0]!.items;
    expect(a!.jobs.map((j) => j.state)).toEqual(["running", "running"]);
    expect(b).toMatchObject({ failing: true, failingReason: "merge conflict" });
    expect(b!.jobs.map((j) => j.state)).toEqual(["not run: merge failed", "not run: merge failed"]);
  });
});
