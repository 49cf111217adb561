import type { DriverObserver, DriverStep } from "../driver/driver.ts";
import type { BuildResult, Command } from "../scheduler/index.ts";
import type { GateMetrics } from "./metrics.ts";

/** What the observer may ask about an item it sees a build of. */
export interface ItemLookup {
  /** When the item entered its pipeline (unix seconds); undefined once it left. */
  enqueuedAt(itemId: number): number | undefined;
}

interface TrackedBuild {
  pipeline: string;
  job: string;
  itemId: number;
  /** Unix seconds of its build-started, when seen. */
  startedAt: number | null;
}

/**
 * The driver's observer that keeps the counters and histograms of `metrics` (one place, instead
 * of counters scattered over the rooms): builds by result and duration, the wait from enqueue to
 * an item's first build start, merges by result, resets. It learns a build's pipeline and job
 * from its start-build command (and, after a restart, from the commands still in flight).
 */
export function metricsObserver(metrics: GateMetrics, items: ItemLookup): DriverObserver {
  const builds = new Map<number, TrackedBuild>();
  /** Items whose first build has started: later builds (after a reset) are not a new wait. */
  const waited = new Set<number>();

  const finish = (buildId: number, result: BuildResult, seconds: number | null) => {
    const b = builds.get(buildId);
    if (!b) return;
    builds.delete(buildId);
    metrics.builds.inc({ pipeline: b.pipeline, job: b.job, result });
    if (seconds !== null) metrics.buildDuration.observe({ pipeline: b.pipeline, job: b.job }, Math.max(0, seconds));
  };

  const onEvent = (step: DriverStep) => {
    const ev = step.event;
    switch (ev?.type) {
      case "build-started": {
        const b = builds.get(ev.buildId);
        if (!b) return;
        b.startedAt = step.now;
        if (waited.has(b.itemId)) return;
        waited.add(b.itemId);
        const at = items.enqueuedAt(b.itemId);
        if (at !== undefined) metrics.queueWait.observe({ pipeline: b.pipeline }, Math.max(0, step.now - at));
        return;
      }
      case "build-finished": {
        const o = step.outcome;
        const started = builds.get(ev.buildId)?.startedAt ?? null;
        const seconds = o && o.startedAt !== null ? (o.finishedAt - o.startedAt) / 1000 : started !== null ? step.now - started : null;
        finish(ev.buildId, ev.result, seconds);
        return;
      }
      case "merge-done":
        metrics.merges.inc({ result: "success" });
        return;
      case "merge-failed":
        metrics.merges.inc({ result: ev.infra ? "error" : "conflict" });
        return;
      default:
        return;
    }
  };

  const onCommand = (cmd: Command, now: number) => {
    switch (cmd.type) {
      case "start-build":
        builds.set(cmd.buildId, { pipeline: cmd.pipeline, job: cmd.job, itemId: cmd.itemId, startedAt: null });
        return;
      case "cancel-build": {
        const started = builds.get(cmd.buildId)?.startedAt ?? null;
        finish(cmd.buildId, "ABORTED", started === null ? null : now - started);
        return;
      }
      case "reset":
        metrics.resets.inc({ pipeline: cmd.pipeline });
        return;
      case "dequeue":
        waited.delete(cmd.itemId);
        return;
      default:
        return;
    }
  };

  return (step) => {
    if (step.retry) {
      metrics.flakyRetries.inc({ job: step.retry.job, result: step.retry.result });
      return;
    }
    if (step.event?.type === "build-finished" && step.retried && step.event.result === "SUCCESS") {
      const job = builds.get(step.event.buildId)?.job;
      if (job) metrics.flaky.inc({ job });
    }
    if (step.event === null) {
      // Resumed after a restart: builds in flight were counted in the wait before, if ever.
      for (const cmd of step.commands) {
        onCommand(cmd, step.now);
        if (cmd.type === "start-build") waited.add(cmd.itemId);
      }
      return;
    }
    onEvent(step);
    for (const cmd of step.commands) onCommand(cmd, step.now);
  };
}
