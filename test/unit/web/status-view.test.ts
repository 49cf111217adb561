import { describe, expect, it } from "vitest";
import type { SchedulerView } from "../../../src/scheduler/index.ts";
import { formatStatus } from "../../../src/cli/status-text.ts";
import { jobNames, toStatusJson } from "../../../src/web/status-view.ts";

const meta = (n: number) => ({ number: n, patchset: 3, changeId: `I${n}`, revision: "r", ref: "ref", url: `http://g/${n}`, subject: `subject ${n}`, owner: `owner ${n}` });
const view: SchedulerView = {
  running: 2,
  capacity: 4,
  pipelines: [
    {
      name: "gate",
      manager: "dependent",
      queues: [
        {
          name: "q",
          window: 2,
          items: [
            {
              itemId: 1, change: { id: "11", project: "p", branch: "main", dependsOn: [], meta: meta(11) }, enqueuedAt: 0, itemAhead: null,
              active: true, failing: false, failingReason: null, submitting: false, state: ["11"],
              jobs: [
                { job: "unit", state: "running", buildId: 7, startedAt: 100, endedAt: null },
                { job: "lint", state: "SUCCESS", buildId: 6, startedAt: 90, endedAt: 120 },
              ],
            },
            {
              itemId: 2, change: { id: "12", project: "p", branch: "main", dependsOn: [], meta: meta(12) }, enqueuedAt: 1, itemAhead: "11",
              active: true, failing: true, failingReason: "a voting job failed", submitting: false, state: ["11", "12"],
              jobs: [{ job: "unit", state: "FAILURE", buildId: 8, startedAt: 100, endedAt: 130 }],
            },
            {
              itemId: 3, change: { id: "13", project: "p", branch: "main", dependsOn: [], meta: meta(13) }, enqueuedAt: 2, itemAhead: "11",
              active: false, failing: false, failingReason: null, submitting: false, state: null,
              jobs: [{ job: "unit", state: "waiting: outside window", buildId: null, startedAt: null, endedAt: null }],
            },
          ],
        },
      ],
    },
  ],
};

describe("toStatusJson", () => {
  const s = toStatusJson(view, new Map([["unit", 200]]), 150);
  const items = s.pipelines[0]!.queues[0]!.items;

  it("gives every item its change, place in the tree, ahead and behind", () => {
    expect(items.map((i) => [i.id, i.depth, i.branch, i.ahead, i.behind])).toEqual([
      [1, 0, false, null, [2, 3]],
      [2, 1, true, 1, []],
      [3, 0, false, 1, []],
    ]);
    expect(items[0]!.change).toEqual({ id: "11", number: 11, patchset: 3, project: "p", branch: "main", owner: "owner 11", subject: "subject 11", url: "http://g/11" });
    expect(items[1]!.failingReason).toBe("a voting job failed");
  });

  it("estimates time left from the median duration", () => {
    const unit = items[0]!.jobs[0]!;
    expect(unit).toMatchObject({ elapsed: 50, estimate: 200, remaining: 150, progress: 0.25, logUrl: "/builds/7", waiting: null });
    expect(items[0]!.jobs[1]).toMatchObject({ remaining: 0, elapsed: 30, estimate: null });
    expect(items[0]!.remaining).toBe(150);
    expect(items[2]!.jobs[0]).toMatchObject({ waiting: "outside the active window", remaining: 200, buildId: null, logUrl: null });
  });

  it("says unknown when a job has no history", () => {
    const u = toStatusJson(view, new Map(), 150).pipelines[0]!.queues[0]!.items[0]!;
    expect(u.jobs[0]!.remaining).toBeNull();
    expect(u.remaining).toBeNull();
    expect(jobNames(view).sort()).toEqual(["lint", "unit"]);
  });

  it("prints the same tree as text", () => {
    expect(formatStatus(s)).toBe(
      [
        "gate (dependent)",
        "  queue q (window 2)",
        "    11,3 p active  ETA 2m 30s  subject 11",
        "        unit: running 50s, 2m 30s left | lint: SUCCESS 30s",
        "      ↳ 12,3 p FAILING (a voting job failed)  subject 12",
        "          unit: FAILURE 30s",
        "    13,3 p waiting  ETA 3m 20s  subject 13",
        "        unit: outside the active window",
        "2 builds running of 4",
        "",
      ].join("\n"),
    );
  });
});
