import { describe, expect, it } from "vitest";
import type { ChangeHistory } from "../../../src/store/change-queries.ts";
import type { PipelineRequirement } from "../../../src/web/change-reasons.ts";
import { changeJson } from "../../../src/web/change-view.ts";
import type { StatusItem, StatusJson } from "../../../src/web/status-view.ts";

const history: ChangeHistory = {
  change: { id: 1, connection: "gerrit", number: 13, project: "org/p", branch: "main", changeId: "I1", subject: "Fix", owner: "Ann", url: "http://g/13", status: "NEW", updatedAt: 1 },
  patchsets: [{ patchset: 1, revision: "a", createdAt: 1 }, { patchset: 2, revision: "b", createdAt: 2 }],
  items: [
    {
      id: "9", pipeline: "gate", queue: "p", project: "org/p", patchset: 2, enqueuedAt: 200, state: "reported", result: "-1", reason: null, reportedAt: 300,
      buildsets: [{ id: "5", result: "FAILURE", createdAt: 200, finishedAt: 300, builds: [{ id: "b/7", job: "unit", state: "finished", result: "FAILURE", voting: true, attempt: 1, queuedAt: 201, startedAt: 210, finishedAt: 250 }] }],
    },
    {
      id: "4", pipeline: "check", queue: "p", project: "org/p", patchset: 1, enqueuedAt: 100, state: "reported", result: "1", reason: null, reportedAt: 150,
      buildsets: [{ id: "2", result: "SUCCESS", createdAt: 100, finishedAt: 150, builds: [{ id: "3", job: "unit", state: "running", result: null, voting: true, attempt: 1, queuedAt: 101, startedAt: 110, finishedAt: null }] }],
    },
  ],
};

function status(ids: string[]): StatusJson {
  const item = (id: string) => ({ id: 1, change: { id, number: Number(id), patchset: 2, project: "org/p", branch: "main", owner: "Ann", subject: "Fix", url: "" } }) as unknown as StatusItem;
  return { generatedAt: 0, running: 0, capacity: null, pipelines: [{ name: "check", manager: "independent", queues: [{ name: "p", window: 0, items: ids.map(item) }] }] };
}

describe("changeJson", () => {
  it("links every build, newest first, with its duration, pipeline and patchset", () => {
    const c = changeJson({ number: 13, history, status: status([]), source: null, waiting: [], pipelinesOf: () => [] });
    expect(c.builds.map((b) => [b.id, b.url, b.duration, b.pipeline, b.patchset])).toEqual([
      ["b/7", "/builds/b%2F7", 40, "gate", 2],
      ["3", "/builds/3", null, "check", 1],
    ]);
    expect(c).toMatchObject({ project: "org/p", subject: "Fix", status: "NEW", patchset: 2, source: "none", inQueue: false, wip: null, reasons: [] });
  });

  it("finds the change's live items by id, and asks for reasons only of the pipelines it is not in", () => {
    const asked: string[] = [];
    const c = changeJson({
      number: 13,
      history,
      status: status(["12", "13"]),
      source: { ok: true, state: { number: 13, project: "org/p", branch: "main", status: "NEW", wip: false, patchset: 2, subject: "Fix", url: "u", owner: "Ann", votes: {} } },
      waiting: [{ pipeline: "gate", number: 12, waitsFor: ["11"] }],
      pipelinesOf: (project, branch): PipelineRequirement[] => {
        asked.push(`${project}@${branch}`);
        return [
          { name: "check", require: { approvals: {} } },
          { name: "gate", require: { approvals: { Workflow: 1 } } },
        ];
      },
    });
    expect(asked).toEqual(["org/p@main"]);
    expect(c.live.map((l) => `${l.pipeline}:${l.item.change.id}`)).toEqual(["check:13"]);
    expect(c.inQueue).toBe(true);
    // Change 12's parked entry is not this change's.
    expect(c.reasons.map((r) => r.text)).toEqual(["needs Workflow +1 to enter gate"]);
    expect(c.source).toBe("answered");
  });
});
