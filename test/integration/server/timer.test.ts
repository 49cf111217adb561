import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { branchChange, isBranchChange, startTimers, type TimerClock } from "../../../src/driver/timer.ts";
import type { SchedulerEvent } from "../../../src/scheduler/index.ts";
import { parseExposition } from "../../unit/metrics/exposition.ts";
import { serverPerTest } from "./support.ts";

/** Periodic pipelines on a fake clock: the timers alone, then a server that builds a branch tip. */

class FakeClock implements TimerClock {
  private timers: { due: number; fn: () => void; id: number }[] = [];
  private next = 1;
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ due: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  /** Moves the clock on by `ms`, running each timer that falls due, in order, at its time. */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      const first = [...this.timers].sort((a, b) => a.due - b.due)[0];
      if (!first || first.due > target) break;
      this.timers = this.timers.filter((x) => x !== first);
      this.t = first.due;
      first.fn();
    }
    this.t = target;
  }
  get pending(): number {
    return this.timers.length;
  }
}

const HOUR = 3600_000;
const MINUTE = 60_000;

function config(extra = "", timers = `[{cron: "0 3 * * *"}]`) {
  return parseConfig(
    "gatebox.yaml",
    `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: PW}}}
pipelines:
  - {name: check, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}
  - {name: nightly, manager: independent, trigger: {timer: ${timers}}}
jobs: [{name: unit, image: busybox, run: make}]
projects:
  - {name: org/a, check: {jobs: [unit]}, nightly: {jobs: [unit]}}
  - {name: org/b, branch: stable, nightly: {jobs: [unit]}}
  - {name: org/c, check: {jobs: [unit]}}
${extra}`,
  );
}

describe("startTimers", () => {
  it("enqueues each project's branch tip at the cron's times, skipping one still queued", () => {
    // 1 January 2025, 01:00 local time (cron times are the server's local time).
    const clock = new FakeClock(new Date(2025, 0, 1, 1, 0).getTime());
    const events: SchedulerEvent[] = [];
    const lines: string[] = [];
    const queued = new Set<string>();
    const timers = startTimers({
      config: config(),
      submit: (ev) => events.push(ev),
      isEnqueued: (p, id) => queued.has(`${p}/${id}`),
      log: (l) => lines.push(l),
      clock,
    });
    clock.advance(HOUR + 59 * MINUTE);
    expect(events).toEqual([]);
    clock.advance(MINUTE);
    expect(events.map((e) => e.type === "enqueue" && [e.pipeline, e.change.id, e.change.branch])).toEqual([
      ["nightly", "org/a@main", "main"],
      ["nightly", "org/b@stable", "stable"],
    ]);
    const first = events[0] as Extract<SchedulerEvent, { type: "enqueue" }>;
    expect(first.change.meta).toMatchObject({ number: 0, patchset: 0, ref: "refs/heads/main", owner: "gatebox" });
    expect(isBranchChange(first.change)).toBe(true);

    // The next night org/a's last run is still queued: only org/b enters.
    queued.add("nightly/org/a@main");
    clock.advance(24 * HOUR);
    expect(events.slice(2).map((e) => e.type === "enqueue" && e.change.id)).toEqual(["org/b@stable"]);
    expect(lines).toContain("gatebox: nightly: org/a@main is still in the queue from the last time; this time is skipped");

    // A reload moves the timer to New Year's Day: nothing more fires this week.
    timers.update(config("", `[{cron: "0 3 1 1 *"}]`));
    clock.advance(3 * 24 * HOUR);
    expect(events).toHaveLength(3);
    timers.stop();
    expect(clock.pending).toBe(0);
  });

  it("sleeps at most an hour at a time (the wall clock may jump), and fires when due", () => {
    const clock = new FakeClock(new Date(2025, 0, 1, 2, 0).getTime());
    const events: SchedulerEvent[] = [];
    startTimers({ config: config(), submit: (ev) => events.push(ev), isEnqueued: () => false, log: () => {}, clock });
    expect(clock.pending).toBe(1);
    clock.advance(HOUR - 1);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toHaveLength(2);
  });

  it("a branch change is told apart from a change of the source", () => {
    expect(isBranchChange(branchChange("org/a", "main", "nightly", 0))).toBe(true);
    expect(
      isBranchChange({
        meta: { number: 5, patchset: 1, changeId: "I1", revision: "abc", ref: "refs/changes/05/5/1", url: "", subject: "", owner: "" },
      }),
    ).toBe(false);
  });
});

describe("a periodic pipeline in a running server", () => {
  const t = serverPerTest("timer");

  it("builds the branch tip when the timer fires and reports nowhere", async () => {
    const clock = new FakeClock(new Date(2025, 0, 1, 2, 59).getTime());
    const lines: string[] = [];
    const { sim, config: cfg } = await t.setUp(
      `executors: [{name: here, type: local, capacity: 2}]
pipelines:
  - name: nightly
    manager: independent
    trigger: {timer: [{cron: "0 3 * * *"}]}
    start: {gerrit: {labels: {Verified: 0}}}
    success: {gerrit: {labels: {Verified: 1}}}
    failure: {gerrit: {labels: {Verified: -1}}}
jobs: [{name: tip, image: none, run: "grep -q tip README.md && echo on the tip"}]
projects: [{name: org/p, nightly: {jobs: [tip]}}]
`,
      undefined,
      { "README.md": "tip\n" },
    );
    const s = await t.start(cfg, { log: (l) => lines.push(l), clock, sighup: false });
    clock.advance(MINUTE);
    expect(lines).toContain("gatebox: nightly: timer fired, enqueuing org/p@main");
    const deadline = Date.now() + 30_000;
    let ok: number | undefined;
    while (Date.now() < deadline) {
      ok = parseExposition(await s.metrics.text()).value("gatebox_builds_total", { pipeline: "nightly", job: "tip", result: "SUCCESS" });
      if (ok === 1 && lines.some((l) => l.includes("reported change org/p@main"))) break;
      await Bun.sleep(100);
    }
    expect(ok, lines.join("\n")).toBe(1);
    await s.gate!.settled();
    expect(s.gate!.view().pipelines[0]!.queues.flatMap((q) => q.items)).toEqual([]);
    // Nothing was posted on Gerrit: there is no change to post on.
    expect(sim.reviews).toEqual([]);
  });
});
