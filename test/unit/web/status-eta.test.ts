import { describe, expect, it } from "vitest";
import type { ItemView, JobView, SchedulerView } from "../../../src/scheduler/index.ts";
import { jobEtas } from "../../../src/web/status-eta.ts";
import { toStatusJson } from "../../../src/web/status-view.ts";

const NOW = 10_000;
type Job = [name: string, state: JobView, elapsed?: number];

function item(id: number, active: boolean, jobs: Job[]): ItemView {
  return {
    itemId: id,
    change: { id: String(id), project: "p", branch: "main", dependsOn: [] },
    enqueuedAt: 0,
    itemAhead: id === 1 ? null : String(id - 1),
    active,
    failing: false,
    failingReason: null,
    submitting: false,
    state: active ? [String(id)] : null,
    jobs: jobs.map(([job, state, elapsed]) => ({
      job,
      state,
      buildId: state === "running" ? id : null,
      startedAt: elapsed === undefined ? null : NOW - elapsed,
      endedAt: null,
    })),
  };
}

function view(capacity: number | null, window: number, items: ItemView[], manager = "dependent"): SchedulerView {
  const running = items.flatMap((i) => i.jobs).filter((j) => j.state === "running").length;
  return { running, capacity, pipelines: [{ name: "gate", manager, queues: [{ name: "q", window, items }] }] };
}

const medians = new Map([
  ["unit", 600],
  ["build", 300],
]);
const etas = (v: SchedulerView) => [...jobEtas(v, (j) => medians.get(j) ?? null, NOW).values()];

describe("ETAs of waiting items", () => {
  it("a job waiting for an executor waits for the builds ahead of it to free one", () => {
    const v = view(2, 10, [
      item(1, true, [["unit", "running", 100]]), // 500 s left
      item(2, true, [["unit", "running", 0]]), // 600 s left
      item(3, true, [["unit", "waiting: capacity"]]),
      item(4, true, [["unit", "waiting: capacity"]]),
    ]);
    // Item 3 gets the executor item 1 frees at 500 s, item 4 the one item 2 frees at 600 s.
    expect(etas(v)).toEqual([[500], [600], [1100], [1200]]);
    expect(toStatusJson(v, medians, NOW).pipelines[0]!.queues[0]!.items.map((i) => i.remaining)).toEqual([500, 600, 1100, 1200]);
  });

  it("an item outside the window starts when the item `window` places ahead has left", () => {
    const v = view(null, 2, [
      item(1, true, [["unit", "running", 100]]),
      item(2, true, [["unit", "running", 0]]),
      item(3, false, [["unit", "waiting: outside window"]]),
      item(4, false, [["unit", "waiting: outside window"]]),
      item(5, false, [["unit", "waiting: outside window"]]),
    ]);
    // 3 enters when 1 leaves (500), 4 when 2 leaves (600), 5 when 3 leaves (1100); each runs 600 s.
    expect(etas(v)).toEqual([[500], [600], [1100], [1200], [1700]]);
  });

  it("an item leaves only after the items ahead of it: the window follows the queue's order", () => {
    const v = view(null, 1, [
      item(1, true, [["build", "running", 0]]), // 300 s left
      item(2, false, [["build", "waiting: outside window"]]),
      item(3, false, [["unit", "waiting: outside window"]]),
    ]);
    expect(etas(v)).toEqual([[300], [600], [1200]]);
  });

  it("the window and the executors together: the later item waits for both", () => {
    const v = view(1, 2, [
      item(1, true, [["unit", "running", 100]]),
      item(2, true, [["unit", "waiting: capacity"]]),
      item(3, false, [["unit", "waiting: outside window"]]),
    ]);
    // Item 2 takes the one executor at 500 s; item 3 enters the window at 500 s but gets it at 1100 s.
    expect(etas(v)).toEqual([[500], [1100], [1700]]);
  });

  it("a job waiting for a job it depends on starts after the item's other jobs", () => {
    const v = view(4, 10, [item(1, true, [["build", "running", 100], ["unit", "waiting: dependency"]])]);
    expect(etas(v)).toEqual([[200, 800]]);
  });

  it("without a capacity and inside the window a waiting job takes only its own time, as before", () => {
    const v = view(null, 10, [item(1, true, [["unit", "waiting: merge"], ["build", "SUCCESS"]])], "independent");
    expect(etas(v)).toEqual([[600, 0]]);
  });

  it("unknown durations make what waits behind them unknown, and a fail-fast stop has no ETA", () => {
    const v = view(1, 10, [
      item(1, true, [["lint", "running", 50]]), // no history
      item(2, true, [["unit", "waiting: capacity"]]),
    ]);
    expect(etas(v)).toEqual([[null], [null]]);
    const stop = view(2, 10, [item(1, true, [["unit", "FAILURE"], ["build", "waiting: item failing (fail-fast)"]])]);
    expect(etas(stop)).toEqual([[0, null]]);
  });

  it("builds counted as running but not shown (hedges) hold an executor for an unknown time", () => {
    const v = view(2, 10, [item(1, true, [["unit", "running", 0]]), item(2, true, [["unit", "waiting: capacity"]])]);
    v.running = 2;
    expect(etas(v)).toEqual([[600], [1200]]);
  });
});
