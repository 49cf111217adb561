import type { Core } from "../core.ts";
import type { ResolvedPipeline } from "../layout.ts";
import type { AdaptiveQueue, Buildset, Item, JobRun, QueueState } from "../state.ts";
import { grow, shrink } from "../window.ts";

/**
 * What the adaptive strategy measures per queue: the failure rate (the share of decided items that
 * failed by their own fault), and when Zuul's AIMD window applies (only while builds wait for an
 * executor: with idle executors the window neither grows nor shrinks, the plan fills them).
 */

/** Before anything was decided, assume this rate, worth this many decisions. */
export const PRIOR_RATE = 0.1;
const PRIOR_WEIGHT = 10;
/** The measurement forgets: it weighs about the last 200 decisions. */
const MEMORY = 200;

export function adaptiveOf(q: QueueState): AdaptiveQueue {
  q.adaptive ??= { rate: PRIOR_RATE, decided: 0, mode: "nnfi", reason: "nothing measured yet", batch: 1 };
  return q.adaptive;
}

function observe(q: QueueState, failed: boolean): void {
  const a = adaptiveOf(q);
  a.decided++;
  a.rate += ((failed ? 1 : 0) - a.rate) / Math.min(a.decided + PRIOR_WEIGHT, MEMORY);
}

/** Builds wait for an executor (with unlimited capacity they never do: Zuul's AIMD then applies as is). */
export function saturated(core: Core): boolean {
  return !Number.isFinite(core.capacity) || core.state.running >= core.capacity;
}

/** An item of an adaptive queue merged (submit-done). */
export function landed(core: Core, p: ResolvedPipeline, q: QueueState): void {
  observe(q, false);
  if (saturated(core)) q.window = grow(q.window, p.window);
}

/** An item of an adaptive queue is reported failing; `own`: by its own fault (not an infra error). */
export function failed(core: Core, p: ResolvedPipeline, q: QueueState, own: boolean): void {
  if (!own) return;
  observe(q, true);
  if (saturated(core)) q.window = shrink(q.window, p.window);
}

/** The chance this item's change fails by itself: what the source said, else the measured rate. */
export function riskOf(q: QueueState, item: Item): number {
  const r = item.change.risk;
  return typeof r === "number" && r >= 0 && r <= 1 ? r : adaptiveOf(q).rate;
}

/** A build of an adaptive queue ended with a result: remember how long its job takes. */
export function timed(q: QueueState, run: JobRun): void {
  if (run.startedAt === null || run.endedAt === null) return;
  const a = adaptiveOf(q);
  a.durations ??= {};
  const d = a.durations;
  const took = run.endedAt - run.startedAt;
  const known = d[run.name];
  d[run.name] = known === undefined ? took : known + (took - known) / 8;
}

/** A result is due within this share of a build's duration: planning behind it waits for it. */
const DUE = 0.05;

/**
 * Whether every running build of `bs` should end within DUE of its usual duration and nothing of
 * it still waits: its result is about to come, so starting states that depend on it can wait.
 */
export function due(q: QueueState, bs: Buildset, now: number): boolean {
  if (bs.merge !== "done") return false;
  const d = q.adaptive?.durations ?? {};
  let running = false;
  for (const run of bs.jobs) {
    if (run.status === "waiting") return false;
    if (run.status !== "running") continue;
    const took = d[run.name];
    if (took === undefined || run.startedAt === null) return false;
    const end = run.startedAt + took;
    if (end > now + DUE * took || end < now - DUE * took) return false;
    running = true;
  }
  return running;
}
