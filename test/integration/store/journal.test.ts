import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildOutcome } from "../../../src/executor/executor.ts";
import { type BuildResult, type Change, type Command, type Layout, Scheduler, type SchedulerEvent } from "../../../src/scheduler/index.ts";
import { schedulerChange } from "../../../src/sources/source.ts";
import { type OpenStore, openDatabase } from "../../../src/store/db.ts";
import { listBuildsets } from "../../../src/store/history-queries.ts";
import { Journal } from "../../../src/store/journal.ts";
import { builds, buildsets, changes, queueItems } from "../../../src/store/schema.ts";

/**
 * The driver's Journal on a real SQLite store, fed with the commands of the real scheduler core
 * the way the driver feeds it (src/driver/driver.ts `step` and `journalInput`): the event, then
 * what the input tells the history, then every command, in one transaction.
 */

const LAYOUT: Layout = {
  pipelines: [
    { name: "check", manager: "independent" },
    { name: "gate", manager: "dependent", window: { window: 10 } },
  ],
  projects: [{ name: "org/p", pipelines: { check: { jobs: ["unit"] }, gate: { queue: "integrated", jobs: ["unit"] } } }],
  jobs: [{ name: "unit" }],
};
const T0 = 1_790_000_000; // unix seconds

let store: OpenStore;
let journal: Journal;
let scheduler: Scheduler;
let now: number;
let commands: Command[];

beforeEach(() => {
  store = openDatabase(":memory:");
  journal = new Journal(store.db);
  scheduler = new Scheduler(LAYOUT, { capacity: 10 });
  now = T0;
  commands = [];
});
afterEach(() => store.close());

function change(n: number): Change {
  return schedulerChange("org/p", "main", {
    number: n,
    patchset: 1,
    revision: n.toString(16).padStart(40, "0"),
    changeId: `I${n.toString(16).padStart(40, "0")}`,
    subject: `Change ${n}`,
    owner: { accountId: 1000096, name: "Ann" },
    url: `http://gerrit.test/c/org/p/+/${n}`,
    ref: `refs/changes/${String(n % 100).padStart(2, "0")}/${n}/1`,
    dependsOn: [],
  });
}

/** The queue an item is in, read from the core's view (what the driver's CorePort answers). */
function queueOf(itemId: number): string {
  for (const p of scheduler.view().pipelines) for (const q of p.queues) if (q.items.some((i) => i.itemId === itemId)) return q.name;
  return "";
}

/** One input, journaled as the driver does; returns the commands the core emitted. */
function feed(event: SchedulerEvent, extra: { place?: { executor: string; runId: string }; outcome?: BuildOutcome } = {}): Command[] {
  now += 1;
  let out: Command[] = [];
  journal.transaction(() => {
    const seq = journal.event(now, event.type, event);
    if (extra.place && event.type === "build-started") journal.buildStarted(event.buildId, now, { executor: extra.place.executor, containerId: extra.place.runId });
    if (extra.outcome && event.type === "build-finished") journal.buildFinished(event.buildId, extra.outcome);
    if (event.type === "enqueue") journal.change(event.change, now);
    if (event.type === "abandon") journal.changeStatus(event.changeId, "ABANDONED", now);
    if (event.type === "change-merged") journal.changeStatus(event.changeId, "MERGED", now);
    out = scheduler.handle(event, now);
    for (const cmd of out) journal.command(cmd, now, queueOf);
    journal.saveSnapshot(scheduler.toJSON(), seq, now);
  });
  commands.push(...out);
  return out;
}

function of<T extends Command["type"]>(cmds: Command[], type: T): Extract<Command, { type: T }>[] {
  return cmds.filter((c): c is Extract<Command, { type: T }> => c.type === type);
}

/** The build's start as the executor reports it, then its end with `result`. */
function runBuild(cmd: Extract<Command, { type: "start-build" }>, result: Exclude<BuildResult, "ERROR">): Command[] {
  const container = `${cmd.buildId}`.padStart(64, "c");
  feed({ type: "build-started", buildId: cmd.buildId }, { place: { executor: "docker-a", runId: container } });
  const startedMs = now * 1000;
  now += 30;
  return feed(
    { type: "build-finished", buildId: cmd.buildId, result },
    {
      outcome: {
        buildId: String(cmd.buildId),
        result,
        exitCode: result === "SUCCESS" ? 0 : 1,
        attempts: 1,
        message: result === "SUCCESS" ? "exit 0" : "exit 1",
        infraErrors: [],
        startedAt: startedMs,
        finishedAt: now * 1000,
        logPath: `/tmp/${cmd.buildId}.console.jsonl`,
        artifacts: [],
        artifactsDropped: 0,
      },
    },
  );
}

const buildset = (id: number) => store.db.select().from(buildsets).where(eq(buildsets.id, String(id))).get();
const changeRow = (n: number) => store.db.select().from(changes).where(eq(changes.number, n)).get();

describe("Journal", () => {
  it("records where a build runs and when it started, then its result", () => {
    const merge = of(feed({ type: "enqueue", pipeline: "check", change: change(5) }), "merge")[0]!;
    const start = of(feed({ type: "merge-done", mergeId: merge.mergeId }), "start-build")[0]!;
    expect(store.db.select().from(builds).where(eq(builds.id, String(start.buildId))).get()).toMatchObject({
      buildsetId: String(start.buildsetId),
      job: "unit",
      state: "queued",
      queuedAt: now,
      startedAt: null,
      executor: null,
      containerId: null,
    });
    feed({ type: "build-started", buildId: start.buildId }, { place: { executor: "docker-a", runId: "f".repeat(64) } });
    const startedAt = now;
    expect(store.db.select().from(builds).where(eq(builds.id, String(start.buildId))).get()).toMatchObject({
      state: "running",
      executor: "docker-a",
      containerId: "f".repeat(64),
      startedAt,
      finishedAt: null,
    });
  });

  it("gate: buildsets get SUCCESS/FAILURE on report and RESET on a new merge; a merged change says MERGED", () => {
    const first = feed({ type: "enqueue", pipeline: "gate", change: change(1) });
    const second = feed({ type: "enqueue", pipeline: "gate", change: change(2) });
    const [m1] = of(first, "merge");
    const [m2] = of(second, "merge");
    expect(m1 && m2).toBeTruthy();
    // Change 2 is tested on top of change 1.
    expect(m2!.changes.map((c) => c.id)).toEqual(["1", "2"]);
    // The store's buildsets are keyed by the core's buildset id (not the merge id).
    expect(buildset(m1!.buildsetId)).toMatchObject({ itemId: String(m1!.itemId), pipeline: "gate", result: null, finishedAt: null });
    const [b1] = of(feed({ type: "merge-done", mergeId: m1!.mergeId }), "start-build");
    const [b2] = of(feed({ type: "merge-done", mergeId: m2!.mergeId }), "start-build");

    // Change 1 fails: it is reported, and change 2 is reset onto the branch tip (a new merge).
    const afterFailure = runBuild(b1!, "FAILURE");
    const reports = of(afterFailure, "report");
    expect(reports.map((r) => [r.change.id, r.result, r.buildsetId])).toEqual([["1", -1, m1!.buildsetId]]);
    expect(buildset(m1!.buildsetId)).toMatchObject({ result: "FAILURE", finishedAt: now });
    const [m2b] = of(afterFailure, "merge");
    expect(m2b).toMatchObject({ itemId: m2!.itemId });
    expect(m2b!.changes.map((c) => c.id)).toEqual(["2"]);
    expect(m2b!.buildsetId).not.toBe(m2!.buildsetId);
    expect(buildset(m2!.buildsetId)).toMatchObject({ result: "RESET", finishedAt: now });
    expect(buildset(m2b!.buildsetId)).toMatchObject({ result: null, finishedAt: null, state: JSON.stringify([{ id: "2", project: "org/p", meta: change(2).meta }]) });
    // The reset build was cancelled: ABORTED.
    expect(store.db.select().from(builds).where(eq(builds.id, String(b2!.buildId))).get()).toMatchObject({ state: "cancelled", result: "ABORTED" });
    expect(changeRow(1)?.status).toBe("NEW");

    // Change 2 passes on its new state: SUCCESS, then the submit merges it.
    const [b2b] = of(feed({ type: "merge-done", mergeId: m2b!.mergeId }), "start-build");
    const [success] = of(runBuild(b2b!, "SUCCESS"), "report");
    expect(success).toMatchObject({ result: 1, submit: true, buildsetId: m2b!.buildsetId });
    expect(buildset(m2b!.buildsetId)).toMatchObject({ result: "SUCCESS", finishedAt: now });
    expect(changeRow(2)?.status).toBe("NEW");
    const done = feed({ type: "submit-done", itemId: success!.itemId });
    expect(of(done, "dequeue")).toEqual([expect.objectContaining({ changeId: "2", merged: true })]);
    expect(changeRow(2)?.status).toBe("MERGED");
    expect(store.db.select().from(queueItems).where(eq(queueItems.id, String(success!.itemId))).get()).toMatchObject({ state: "merged", result: "1" });
    // A result is never overwritten by the item leaving.
    expect(buildset(m2b!.buildsetId)?.result).toBe("SUCCESS");
    expect(changeRow(1)?.status).toBe("NEW");
  });

  it("a merge conflict gives MERGE_CONFLICT; an abandoned change says ABANDONED", () => {
    const [m] = of(feed({ type: "enqueue", pipeline: "gate", change: change(3) }), "merge");
    const out = feed({ type: "merge-failed", mergeId: m!.mergeId, reason: "CONFLICT (content): a.txt" });
    expect(of(out, "report").map((r) => r.result)).toEqual(["merge-conflict"]);
    expect(buildset(m!.buildsetId)).toMatchObject({ result: "MERGE_CONFLICT", finishedAt: now });
    expect(changeRow(3)?.status).toBe("NEW");
    feed({ type: "abandon", changeId: "3" });
    expect(changeRow(3)?.status).toBe("ABANDONED");
  });

  it("an item that leaves before its result leaves its buildset DEQUEUED", () => {
    const [m] = of(feed({ type: "enqueue", pipeline: "check", change: change(4) }), "merge");
    const [b] = of(feed({ type: "merge-done", mergeId: m!.mergeId }), "start-build");
    feed({ type: "build-started", buildId: b!.buildId }, { place: { executor: "docker-a", runId: "e".repeat(64) } });
    const out = feed({ type: "dequeue", pipeline: "check", changeId: "4" });
    expect(of(out, "dequeue")).toEqual([expect.objectContaining({ changeId: "4", merged: false })]);
    expect(buildset(m!.buildsetId)).toMatchObject({ result: "DEQUEUED", finishedAt: now });
    expect(store.db.select().from(builds).where(eq(builds.id, String(b!.buildId))).get()).toMatchObject({ state: "cancelled", result: "ABORTED" });
    expect(store.db.select().from(queueItems).where(eq(queueItems.id, String(m!.itemId))).get()?.state).toBe("dequeued");
    // Dequeued by hand is not abandoned: the change is still open.
    expect(changeRow(4)?.status).toBe("NEW");
  });

  it("/api/history's buildsets show the results", () => {
    // A check success, a gate failure and a gate merge conflict.
    const [mc] = of(feed({ type: "enqueue", pipeline: "check", change: change(10) }), "merge");
    runBuild(of(feed({ type: "merge-done", mergeId: mc!.mergeId }), "start-build")[0]!, "SUCCESS");
    const [mg] = of(feed({ type: "enqueue", pipeline: "gate", change: change(11) }), "merge");
    runBuild(of(feed({ type: "merge-done", mergeId: mg!.mergeId }), "start-build")[0]!, "FAILURE");
    const [mx] = of(feed({ type: "enqueue", pipeline: "gate", change: change(12) }), "merge");
    feed({ type: "merge-failed", mergeId: mx!.mergeId, reason: "conflict" });

    const sets = listBuildsets(store.db, { days: 1, now, limit: 50, offset: 0 });
    const byChange = Object.fromEntries(sets.map((s) => [s.changes.at(-1), s]));
    expect(byChange["10"]).toMatchObject({ pipeline: "check", result: "SUCCESS", builds: [expect.objectContaining({ job: "unit", result: "SUCCESS", state: "finished" })] });
    expect(byChange["11"]).toMatchObject({ pipeline: "gate", result: "FAILURE", builds: [expect.objectContaining({ job: "unit", result: "FAILURE" })] });
    expect(byChange["12"]).toMatchObject({ pipeline: "gate", result: "MERGE_CONFLICT", builds: [] });
    expect(sets.every((s) => s.result !== null)).toBe(true);
    // The finished builds kept the executor's place and a start time before their end.
    for (const row of store.db.select().from(builds).all()) {
      expect(row).toMatchObject({ executor: "docker-a", state: "finished" });
      expect(row.containerId).toHaveLength(64);
      expect(row.startedAt).not.toBeNull();
      expect(row.finishedAt! - row.startedAt!).toBe(30);
    }
  });
});
