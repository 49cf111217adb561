import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatStatus, strategyLine } from "../../../src/cli/status-text.ts";
import type { BuildOutcome } from "../../../src/executor/executor.ts";
import { GateMetrics } from "../../../src/metrics/metrics.ts";
import { metricsObserver } from "../../../src/metrics/observer.ts";
import type { SchedulerView, StrategyView } from "../../../src/scheduler/index.ts";
import { toStatusJson } from "../../../src/web/status-view.ts";
import { parseExposition } from "./exposition.ts";

const dir = mkdtempSync(join(tmpdir(), "gatebox-metrics-strategy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const batch: StrategyView = { strategy: "adaptive", mode: "batch", reason: "10% failing, 1 state at once: batches of 4", failureRate: 0.1, batch: 4, hedges: 0 };
const change = { id: "7", project: "p", branch: "main", dependsOn: [], meta: { number: 7, patchset: 1, changeId: "I7", revision: "r", ref: "ref", url: "", subject: "s7", owner: "o" } };

function view(strategy: StrategyView | undefined): SchedulerView {
  const item = { itemId: 1, change, enqueuedAt: 0, itemAhead: null, active: true, failing: false, failingReason: null, submitting: false, state: ["7"], jobs: [] };
  return {
    running: 0,
    capacity: 1,
    pipelines: [
      { name: "gate", manager: "dependent", queues: [{ name: "p", window: 20, items: [item], ...(strategy ? { strategy } : {}) }] },
      { name: "check", manager: "independent", queues: [{ name: "p", window: 0, items: [] }] },
    ],
  };
}

describe("the adaptive mode, shown", () => {
  it("a line per adaptive queue in gatebox status, none for a zuul queue", () => {
    expect(strategyLine(batch)).toBe("adaptive: batch of 4 — 10% failing, 1 state at once: batches of 4");
    expect(strategyLine({ ...batch, mode: "hedge", batch: 1, hedges: 2, reason: "why" })).toBe("adaptive: one state per item, 2 hedges — why");
    expect(strategyLine({ ...batch, mode: "nnfi", batch: 1, reason: "one item: plain NNFI" })).toBe("adaptive: one state per item — one item: plain NNFI");
    const text = formatStatus(toStatusJson(view(batch), new Map(), 10));
    expect(text.split("\n").slice(0, 3)).toEqual(["gate (dependent)", "  queue p (window 20)", `    ${strategyLine(batch)}`]);
    expect(formatStatus(toStatusJson(view(undefined), new Map(), 10))).not.toContain("adaptive");
  });

  it("/metrics: the mode, batch size and failure rate per adaptive queue", async () => {
    let current = view(batch);
    const m = new GateMetrics({ dataDir: dir, view: () => current, executors: () => [] });
    let e = parseExposition(await m.text());
    expect(e.value("gatebox_strategy_mode", { pipeline: "gate", queue: "p", mode: "batch" })).toBe(1);
    expect(e.value("gatebox_strategy_mode", { pipeline: "gate", queue: "p", mode: "nnfi" })).toBe(0);
    expect(e.value("gatebox_strategy_mode", { pipeline: "gate", queue: "p", mode: "hedge" })).toBe(0);
    expect(e.value("gatebox_strategy_batch_size", { pipeline: "gate", queue: "p" })).toBe(4);
    expect(e.value("gatebox_strategy_failure_rate", { pipeline: "gate", queue: "p" })).toBe(0.1);
    expect(e.value("gatebox_strategy_mode", { pipeline: "check", queue: "p", mode: "nnfi" })).toBeUndefined();
    current = view(undefined);
    e = parseExposition(await m.text());
    expect(e.value("gatebox_strategy_mode", { pipeline: "gate", queue: "p", mode: "batch" })).toBeUndefined();
  });
});

describe("flaky builds in /metrics", () => {
  const outcome = (result: BuildOutcome["result"]): BuildOutcome => ({
    buildId: "5", result, exitCode: 0, attempts: 1, message: "", infraErrors: [], startedAt: 0, finishedAt: 2000, logPath: "", artifacts: [], artifactsDropped: 0,
  });

  it("counts each retry by the failed run's result, and a build that passed after one as flaky", async () => {
    const m = new GateMetrics({ dataDir: dir, view: () => null, executors: () => [] });
    const observe = metricsObserver(m, { enqueuedAt: () => 0 });
    const start = { type: "start-build" as const, buildId: 5, buildsetId: 1, itemId: 1, pipeline: "gate", job: "unit", mergeId: 1, state: ["7"] };
    observe({ now: 1, event: { type: "merge-done", mergeId: 1 }, commands: [start], entered: false });
    observe({ now: 2, event: null, commands: [], entered: false, retry: { buildId: 5, pipeline: "gate", job: "unit", result: "FAILURE" } });
    observe({ now: 3, event: { type: "build-finished", buildId: 5, result: "SUCCESS" }, commands: [], entered: false, outcome: outcome("SUCCESS"), retried: 1 });
    // A build that failed its retry too is not flaky; nor is one never retried.
    observe({ now: 4, event: { type: "merge-done", mergeId: 2 }, commands: [{ ...start, buildId: 6 }, { ...start, buildId: 7 }], entered: false });
    observe({ now: 5, event: { type: "build-finished", buildId: 6, result: "FAILURE" }, commands: [], entered: false, outcome: outcome("FAILURE"), retried: 1 });
    observe({ now: 6, event: { type: "build-finished", buildId: 7, result: "SUCCESS" }, commands: [], entered: false, outcome: outcome("SUCCESS") });
    const e = parseExposition(await m.text());
    expect(e.value("gatebox_build_retries_total", { job: "unit", result: "FAILURE" })).toBe(1);
    expect(e.value("gatebox_job_flaky_total", { job: "unit" })).toBe(1);
    expect(e.value("gatebox_builds_total", { pipeline: "gate", job: "unit", result: "SUCCESS" })).toBe(2);
    expect(e.value("gatebox_builds_total", { pipeline: "gate", job: "unit", result: "FAILURE" })).toBe(1);
  });
});
