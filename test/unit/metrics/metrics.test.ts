import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DriverStep } from "../../../src/driver/driver.ts";
import type { BuildOutcome } from "../../../src/executor/executor.ts";
import { GateMetrics, type MetricsSources } from "../../../src/metrics/metrics.ts";
import { metricsObserver } from "../../../src/metrics/observer.ts";
import type { Command, SchedulerView } from "../../../src/scheduler/index.ts";
import { parseExposition } from "./exposition.ts";

const dir = mkdtempSync(join(tmpdir(), "gatebox-metrics-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const change = { id: "7", project: "org/p", branch: "main", dependsOn: [] };

function view(items: { itemId: number; enqueuedAt: number }[]): SchedulerView {
  const item = (i: { itemId: number; enqueuedAt: number }) => ({
    ...i,
    change,
    itemAhead: null,
    active: true,
    failing: false,
    failingReason: null,
    submitting: false,
    state: null,
    jobs: [],
  });
  return { running: 0, capacity: 4, pipelines: [{ name: "gate", manager: "dependent", queues: [{ name: "org/p", window: 20, items: items.map(item) }] }] };
}

function setup(extra: Partial<MetricsSources> = {}) {
  let current = view([]);
  const metrics = new GateMetrics({
    dataDir: dir,
    view: () => current,
    executors: () => [{ name: "docker", used: 1, total: 4 }],
    poll: () => ({ lastOkAt: 1_000_000, failingSince: null, lastError: null }),
    now: () => 1_030_000,
    ...extra,
  });
  const observe = metricsObserver(metrics, {
    enqueuedAt: (id) => current.pipelines[0]?.queues[0]?.items.find((i) => i.itemId === id)?.enqueuedAt,
  });
  const step = (event: DriverStep["event"], commands: Command[] = [], more: Partial<DriverStep> = {}) =>
    observe({ now: 100, event, commands, entered: false, ...more });
  return { metrics, step, setView: (v: SchedulerView) => (current = v), scrape: async () => parseExposition(await metrics.text()) };
}

const startBuild = (buildId: number, job = "unit"): Command => ({
  type: "start-build",
  buildId,
  buildsetId: 1,
  itemId: 1,
  pipeline: "gate",
  job,
  mergeId: 1,
  state: ["7"],
});

function outcome(result: BuildOutcome["result"], seconds: number): BuildOutcome {
  return { result, startedAt: 0, finishedAt: seconds * 1000 } as BuildOutcome;
}

describe("GateMetrics", () => {
  it("serves every metric the issue names, as valid exposition text, before anything happened", async () => {
    const { scrape } = setup();
    const m = await scrape();
    for (const name of [
      "gatebox_builds_total",
      "gatebox_build_duration_seconds",
      "gatebox_queue_items",
      "gatebox_queue_wait_seconds",
      "gatebox_executor_slots",
      "gatebox_merges_total",
      "gatebox_resets_total",
      "gatebox_gerrit_requests_total",
      "gatebox_gerrit_poll_age_seconds",
      "gatebox_disk_free_bytes",
      "gatebox_up",
      "gatebox_retention_pruned_bytes_total",
    ]) {
      expect(m.types.has(name), name).toBe(true);
    }
    expect(m.value("gatebox_up")).toBe(1);
    expect(m.value("gatebox_gerrit_poll_age_seconds")).toBe(30);
    expect(m.value("gatebox_executor_slots", { executor: "docker", state: "used" })).toBe(1);
    expect(m.value("gatebox_executor_slots", { executor: "docker", state: "total" })).toBe(4);
    expect(m.value("gatebox_disk_free_bytes")).toBeGreaterThan(0);
  });

  it("counts builds by result with their duration, merges, resets and the wait to the first build", async () => {
    const { step, setView, scrape } = setup();
    setView(view([{ itemId: 1, enqueuedAt: 40 }]));
    step({ type: "merge-done", mergeId: 1 }, [startBuild(1), startBuild(2, "lint")]);
    step({ type: "build-started", buildId: 1 }, [], { now: 100 });
    step({ type: "build-started", buildId: 2 }, [], { now: 105 });
    step({ type: "build-finished", buildId: 1, result: "FAILURE" }, [], { now: 190, outcome: outcome("FAILURE", 90) });
    step({ type: "merge-failed", mergeId: 2, infra: false }, [
      { type: "reset", itemId: 1, pipeline: "gate", changeId: "7", discarded: [2], completed: 0 },
      { type: "cancel-build", buildId: 2, itemId: 1, job: "lint" },
    ], { now: 125 });
    step({ type: "merge-failed", mergeId: 3, infra: true });
    const m = await scrape();
    expect(m.value("gatebox_builds_total", { pipeline: "gate", job: "unit", result: "FAILURE" })).toBe(1);
    expect(m.value("gatebox_builds_total", { pipeline: "gate", job: "lint", result: "ABORTED" })).toBe(1);
    expect(m.value("gatebox_build_duration_seconds_sum", { pipeline: "gate", job: "unit" })).toBe(90);
    expect(m.value("gatebox_build_duration_seconds_bucket", { pipeline: "gate", job: "unit", le: "60" })).toBe(0);
    expect(m.value("gatebox_build_duration_seconds_bucket", { pipeline: "gate", job: "unit", le: "120" })).toBe(1);
    expect(m.value("gatebox_build_duration_seconds_sum", { pipeline: "gate", job: "lint" })).toBe(20);
    // Only the item's first build start is its wait: 100 - 40.
    expect(m.value("gatebox_queue_wait_seconds_count", { pipeline: "gate" })).toBe(1);
    expect(m.value("gatebox_queue_wait_seconds_sum", { pipeline: "gate" })).toBe(60);
    expect(m.value("gatebox_merges_total", { result: "success" })).toBe(1);
    expect(m.value("gatebox_merges_total", { result: "conflict" })).toBe(1);
    expect(m.value("gatebox_merges_total", { result: "error" })).toBe(1);
    expect(m.value("gatebox_resets_total", { pipeline: "gate" })).toBe(1);
    expect(m.value("gatebox_queue_items", { pipeline: "gate", queue: "org/p" })).toBe(1);
  });

  it("learns builds in flight on resume, so their end is counted under their job", async () => {
    const { step, scrape } = setup();
    step(null, [startBuild(9, "unit")]);
    step({ type: "build-finished", buildId: 9, result: "SUCCESS" }, [], { outcome: outcome("SUCCESS", 3) });
    // A late completion of a build already counted is not counted twice.
    step({ type: "build-finished", buildId: 9, result: "SUCCESS" }, []);
    const m = await scrape();
    expect(m.value("gatebox_builds_total", { pipeline: "gate", job: "unit", result: "SUCCESS" })).toBe(1);
    expect(m.value("gatebox_queue_wait_seconds_count", { pipeline: "gate" })).toBeUndefined();
  });

  it("counts Gerrit exchanges and pruned files by their labels; omits the poll age without Gerrit", async () => {
    const { metrics, scrape } = setup({ poll: undefined });
    metrics.gerritRequest("ok");
    metrics.gerritRequest("ok");
    metrics.gerritRequest("5xx");
    metrics.pruned("logs", 3, 4096);
    const m = await scrape();
    expect(m.value("gatebox_gerrit_requests_total", { outcome: "ok" })).toBe(2);
    expect(m.value("gatebox_gerrit_requests_total", { outcome: "5xx" })).toBe(1);
    expect(m.value("gatebox_retention_pruned_total", { kind: "logs" })).toBe(3);
    expect(m.value("gatebox_retention_pruned_bytes_total", { kind: "logs" })).toBe(4096);
    expect(m.value("gatebox_gerrit_poll_age_seconds")).toBeUndefined();
  });

  it("escapes label values so the text still parses", async () => {
    const { step, scrape } = setup();
    step({ type: "merge-done", mergeId: 1 }, [{ ...startBuild(1), job: 'we"ird\\job\nname' } as Command]);
    step({ type: "build-finished", buildId: 1, result: "SUCCESS" }, []);
    const m = await scrape();
    expect(m.value("gatebox_builds_total", { pipeline: "gate", job: 'we"ird\\job\nname', result: "SUCCESS" })).toBe(1);
  });
});

describe("parseExposition", () => {
  it("refuses what the format does not allow", () => {
    expect(() => parseExposition("x 1\n")).toThrow(/without a TYPE/);
    expect(() => parseExposition("# TYPE x counter\nx{a=\"1\" 1\n")).toThrow();
    expect(() => parseExposition("# TYPE x counter\nx one\n")).toThrow(/bad value/);
    expect(() => parseExposition('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
  });
});
