import { statfsSync } from "node:fs";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { SchedulerView } from "../scheduler/index.ts";
import type { PollStatus } from "../sources/source.ts";

/** One executor's slots: builds running on it now, and how many it may run at once. */
export interface ExecutorSlots {
  name: string;
  used: number;
  total: number;
}

/** Where the gauges read their values at scrape time (the gate's parts; none of them without one). */
export interface MetricsSources {
  dataDir: string;
  /** The scheduler's live view; null without a gate. */
  view(): SchedulerView | null;
  executors(): ExecutorSlots[];
  /** How Gerrit polling goes (null: not polling yet); absent without a Gerrit connection, and so is the gauge. */
  poll?: () => PollStatus | null;
  /** Unix ms (tests move it). */
  now?: () => number;
}

/** What `gatebox_gerrit_requests_total{outcome}` counts: one per HTTP exchange with Gerrit. */
export type GerritOutcome = "ok" | "4xx" | "429" | "5xx" | "timeout" | "error";

/** What retention prunes: console logs, artifact directories, build records, orphaned workspaces. */
export type PrunedKind = "logs" | "artifacts" | "records" | "workspaces";

/** Seconds: a build from a few seconds to hours. */
const DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
/** Seconds from enqueue to the item's first build start. */
const WAIT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/**
 * gatebox's Prometheus metrics (GET /metrics, docs/operations.md), on a registry of its own (never
 * prom-client's global one, so two servers in one process do not share counters). Counters are
 * fed by the driver's observer (observer.ts), the Gerrit client and retention; gauges are read
 * from `sources` at each scrape.
 */
export class GateMetrics {
  readonly registry = new Registry();
  readonly builds: Counter<"pipeline" | "job" | "result">;
  readonly buildDuration: Histogram<"pipeline" | "job">;
  readonly queueWait: Histogram<"pipeline">;
  readonly merges: Counter<"result">;
  readonly resets: Counter<"pipeline">;
  readonly gerritRequests: Counter<"outcome">;
  readonly prunedBytes: Counter<"kind">;
  readonly prunedFiles: Counter<"kind">;
  readonly reloads: Counter<"result">;
  readonly flaky: Counter<"job">;
  readonly flakyRetries: Counter<"job" | "result">;
  private readonly startedAt: number;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    const now = sources.now ?? Date.now;
    this.startedAt = now();
    this.builds = new Counter({ name: "gatebox_builds_total", help: "Builds ended, by pipeline, job and result (BuildResult).", labelNames: ["pipeline", "job", "result"], registers });
    this.buildDuration = new Histogram({
      name: "gatebox_build_duration_seconds",
      help: "How long builds ran, from their start on an executor to their end.",
      labelNames: ["pipeline", "job"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueWait = new Histogram({
      name: "gatebox_queue_wait_seconds",
      help: "From an item's enqueue to the start of its first build.",
      labelNames: ["pipeline"],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.merges = new Counter({ name: "gatebox_merges_total", help: "Speculative merges, by result (success, conflict, error).", labelNames: ["result"], registers });
    this.resets = new Counter({ name: "gatebox_resets_total", help: "Items reset because the state they were tested on changed.", labelNames: ["pipeline"], registers });
    this.gerritRequests = new Counter({ name: "gatebox_gerrit_requests_total", help: "HTTP exchanges with Gerrit, by outcome.", labelNames: ["outcome"], registers });
    this.prunedBytes = new Counter({ name: "gatebox_retention_pruned_bytes_total", help: "Bytes retention removed, by kind.", labelNames: ["kind"], registers });
    this.prunedFiles = new Counter({ name: "gatebox_retention_pruned_total", help: "Files, directories or rows retention removed, by kind.", labelNames: ["kind"], registers });
    this.reloads = new Counter({ name: "gatebox_config_reloads_total", help: "Config reloads, by result (applied, refused).", labelNames: ["result"], registers });
    this.flaky = new Counter({ name: "gatebox_job_flaky_total", help: "Builds that failed, then passed when run again on the same state (retry-flaky), by job.", labelNames: ["job"], registers });
    this.flakyRetries = new Counter({
      name: "gatebox_build_retries_total",
      help: "Failed runs of a build run again on the same state (retry-flaky), by job and the failed run's result.",
      labelNames: ["job", "result"],
      registers,
    });
    this.gauges(registers, now);
    this.strategyGauges(registers);
  }

  /** The adaptive strategy's choice per queue (docs/strategy.md): its mode, batch size and measured failure rate. */
  private strategyGauges(registers: Registry[]): void {
    const { sources } = this;
    const adaptive = () =>
      (sources.view()?.pipelines ?? []).flatMap((p) => p.queues.flatMap((q) => (q.strategy ? [{ pipeline: p.name, queue: q.name, s: q.strategy }] : [])));
    const mode = new Gauge({
      name: "gatebox_strategy_mode",
      help: "1 for the mode each adaptive queue runs in now (nnfi, batch, hedge), 0 for the others.",
      labelNames: ["pipeline", "queue", "mode"],
      registers,
      collect() {
        mode.reset();
        for (const q of adaptive()) for (const m of ["nnfi", "batch", "hedge"]) mode.set({ pipeline: q.pipeline, queue: q.queue, mode: m }, q.s.mode === m ? 1 : 0);
      },
    });
    const batch = new Gauge({
      name: "gatebox_strategy_batch_size",
      help: "Items one state tests in each adaptive queue (1: one state per item).",
      labelNames: ["pipeline", "queue"],
      registers,
      collect() {
        batch.reset();
        for (const q of adaptive()) batch.set({ pipeline: q.pipeline, queue: q.queue }, q.s.batch);
      },
    });
    const rate = new Gauge({
      name: "gatebox_strategy_failure_rate",
      help: "The failure rate each adaptive queue measured (share of decided items that failed by their own fault).",
      labelNames: ["pipeline", "queue"],
      registers,
      collect() {
        rate.reset();
        for (const q of adaptive()) rate.set({ pipeline: q.pipeline, queue: q.queue }, q.s.failureRate);
      },
    });
  }

  /** The exposition text of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  gerritRequest(outcome: GerritOutcome): void {
    this.gerritRequests.inc({ outcome });
  }

  pruned(kind: PrunedKind, count: number, bytes: number): void {
    if (count > 0) this.prunedFiles.inc({ kind }, count);
    if (bytes > 0) this.prunedBytes.inc({ kind }, bytes);
  }

  /** Gauges read at scrape time. */
  private gauges(registers: Registry[], now: () => number): void {
    const { sources } = this;
    const queueItems = new Gauge({
      name: "gatebox_queue_items",
      help: "Items in each queue now.",
      labelNames: ["pipeline", "queue"],
      registers,
      collect() {
        queueItems.reset();
        for (const p of sources.view()?.pipelines ?? []) for (const q of p.queues) queueItems.set({ pipeline: p.name, queue: q.name }, q.items.length);
      },
    });
    const slots = new Gauge({
      name: "gatebox_executor_slots",
      help: "Each executor's build slots: used now, and total.",
      labelNames: ["executor", "state"],
      registers,
      collect() {
        slots.reset();
        for (const e of sources.executors()) {
          slots.set({ executor: e.name, state: "used" }, e.used);
          slots.set({ executor: e.name, state: "total" }, e.total);
        }
      },
    });
    const { startedAt } = this;
    const poll = sources.poll;
    if (poll) {
      const pollAge = new Gauge({
        name: "gatebox_gerrit_poll_age_seconds",
        help: "Seconds since the last Gerrit poll that worked (since gatebox started, while none has).",
        registers,
        collect() {
          pollAge.set(Math.max(0, (now() - (poll()?.lastOkAt ?? startedAt)) / 1000));
        },
      });
    }
    const diskFree = new Gauge({
      name: "gatebox_disk_free_bytes",
      help: "Free bytes (for gatebox's user) on the file system of the data directory.",
      registers,
      collect() {
        diskFree.reset();
        const free = freeBytes(sources.dataDir);
        if (free !== null) diskFree.set(free);
      },
    });
    new Gauge({ name: "gatebox_up", help: "1 while gatebox serves.", registers }).set(1);
  }
}

function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** The slots of an executor-like object (src/executor/executor.ts Executor: `name`, `load`, `slots`). */
export function slotsOf(e: { name: string; slots: number; load: { running: number } }): ExecutorSlots {
  return { name: e.name, used: e.load.running, total: e.slots };
}
