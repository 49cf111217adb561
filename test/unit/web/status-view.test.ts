import { describe, expect, it } from "vitest";
import { type Command, type Layout, Scheduler, type SchedulerView } from "../../../src/scheduler/index.ts";
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
    // Outside a window of 2: it starts when the head (150 s left) has left, then runs its 200 s.
    expect(items[2]!.jobs[0]).toMatchObject({ waiting: "outside the active window", remaining: 350, buildId: null, logUrl: null });
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
        "    13,3 p waiting (outside the window)  ETA 5m 50s  subject 13",
        "        unit: outside the active window",
        "2 builds running of 4",
        "",
      ].join("\n"),
    );
  });
});

/** A real gate: `window` items at the head tested, merges answered by `merged(changeId)`. */
function gate(window: number, ids: string[], merged: (id: string) => boolean = () => true): SchedulerView {
  const layout: Layout = {
    pipelines: [{ name: "gate", manager: "dependent", window: { window } }],
    projects: [{ name: "p", pipelines: { gate: { jobs: ["unit"] } } }],
    jobs: [{ name: "unit" }],
  };
  const s = new Scheduler(layout);
  const answer = (cmds: Command[]) => {
    for (const m of cmds) {
      if (m.type !== "merge") continue;
      const id = m.changes.at(-1)!.id;
      answer(s.handle(merged(id) ? { type: "merge-done", mergeId: m.mergeId } : { type: "merge-failed", mergeId: m.mergeId }, 0));
    }
  };
  for (const id of ids) answer(s.handle({ type: "enqueue", pipeline: "gate", change: { id, project: "p", branch: "main", dependsOn: [] } }, 0));
  return s.view();
}

describe("a gate with items outside the window", () => {
  const s = toStatusJson(gate(1, ["21", "22", "23"]), new Map(), 10);
  const items = s.pipelines[0]!.queues[0]!.items;

  it("hangs them in queue order behind the item ahead: no branch, not tested on the branch tip", () => {
    expect(items.map((i) => [i.change.id, i.depth, i.branch, i.ahead, i.behind, i.tested, i.active, i.failing])).toEqual([
      ["21", 0, false, null, [2], true, true, false],
      ["22", 0, false, 1, [3], false, false, false],
      ["23", 0, false, 2, [], false, false, false],
    ]);
    expect(items[1]!.jobs[0]).toMatchObject({ state: "waiting: outside window", waiting: "outside the active window" });
  });

  it("prints them as waiting outside the window, in line", () => {
    expect(formatStatus(s)).toBe(
      [
        "gate (dependent)",
        "  queue p (window 1)",
        "    21 p active  ",
        "        unit: running 10s",
        "    22 p waiting (outside the window)  ",
        "        unit: outside the active window",
        "    23 p waiting (outside the window)  ",
        "        unit: outside the active window",
        "1 build running",
        "",
      ].join("\n"),
    );
  });
});

describe("an item whose merge failed", () => {
  const s = toStatusJson(gate(2, ["31", "32"], (id) => id !== "32"), new Map([["unit", 60]]), 10);
  const [head, conflict] = s.pipelines[0]!.queues[0]!.items;

  it("shows its jobs as not run, with nothing left to wait for, and branches off the line", () => {
    expect(conflict).toMatchObject({ failing: true, failingReason: "merge conflict", branch: true, depth: 1, ahead: 1, remaining: 0 });
    expect(conflict!.jobs[0]).toMatchObject({ state: "not run: merge failed", waiting: null, remaining: 0, progress: null });
    expect(head!.jobs[0]).toMatchObject({ state: "running", remaining: 50 });
    expect(formatStatus(s)).toContain("      ↳ 32 p FAILING (merge conflict)  \n          unit: not run: merge failed\n");
  });
});
