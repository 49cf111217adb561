/**
 * `gatebox simulate` in words, for a generated stream: the gate's figures beside the serial
 * baseline (the same stream tested one change at a time), and a warning when changes arrive faster
 * than the gate gets them through (docs/scenarios.md "The table").
 */
import type { Throughput } from "./outcome.ts";
import { type RunResult, runScenario } from "./run.ts";
import type { Scenario } from "./scenario.ts";

/** What one run of a stream says about its pace. */
export interface StreamRun {
  stats: Throughput;
  /** Virtual instants at which items left their queue (merged, rejected or dequeued). */
  left: readonly number[];
}

export interface StreamSummary {
  /** Changes arriving per hour, measured on the stream (null with fewer than two arrivals). */
  arrivalsPerHour: number | null;
  /** Items the gate gets through per hour, from the first to the last leaving (null: fewer than two). */
  gatePace: number | null;
  serialPace: number | null;
  gate: Throughput;
  serial: Throughput;
  /** Set when arrivals outrun the gate's pace: the queue grows without bound. */
  warning: string | null;
}

/**
 * Arrivals outrun the gate when they exceed its pace by more than this share. A gate that keeps up
 * lets items leave about as fast as they arrive, but the last ones may wait a little longer (a reset
 * near the end): a small margin keeps that from reading as a growing queue.
 */
export const OUTRUN_MARGIN = 0.1;

/** Events per hour over the span from the first to the last instant; null when it cannot be told. */
export function perHour(instants: readonly number[]): number | null {
  if (instants.length < 2) return null;
  const first = instants.reduce((a, b) => Math.min(a, b));
  const last = instants.reduce((a, b) => Math.max(a, b));
  if (last <= first) return null;
  return ((instants.length - 1) / (last - first)) * 3600;
}

export function summarize(arrivals: readonly number[], gate: StreamRun, serial: StreamRun): StreamSummary {
  const arrivalsPerHour = perHour(arrivals);
  const gatePace = perHour(gate.left);
  const outrun = arrivalsPerHour !== null && gatePace !== null && arrivalsPerHour > gatePace * (1 + OUTRUN_MARGIN);
  return {
    arrivalsPerHour,
    gatePace,
    serialPace: perHour(serial.left),
    gate: gate.stats,
    serial: serial.stats,
    warning: outrun
      ? `warning: ${rate(arrivalsPerHour)} arrivals/hour outrun the ${rate(gatePace)} changes/hour the gate gets through (${rate(gate.stats.mergesPerHour)} merges/hour): the queue grows without bound`
      : null,
  };
}

/**
 * The serial baseline is the same stream run again with a `serial` manager (a window of exactly 1,
 * Zuul's one-at-a-time gate), so it pays for failures and idle time as the gate does.
 */
export function streamSummary(sc: Scenario, gate: RunResult): StreamSummary {
  const serial = runScenario({ ...sc, manager: "serial", expect: null });
  const arrivals = sc.changes.flatMap((c) => (c.at === null ? [] : [c.at]));
  return summarize(arrivals, gate, serial);
}

/** One decimal, as people read a rate. */
function rate(n: number): string {
  return n.toFixed(1);
}

/** Seconds in the largest unit that keeps them readable: hours, minutes, then seconds. */
export function humanDuration(seconds: number): string {
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${Math.round(seconds)} s`;
}

/** The table printed under `PASS name`: the gate beside the serial baseline. */
export function formatSummary(s: StreamSummary): string[] {
  const pace = (n: number | null) => (n === null ? "-" : rate(n));
  const rows: [string, string, string][] = [
    ["", "this gate", "serial"],
    ["merges/hour", rate(s.gate.mergesPerHour), rate(s.serial.mergesPerHour)],
    ["changes through/hour", pace(s.gatePace), pace(s.serialPace)],
    ["mean time in queue", humanDuration(s.gate.meanTimeInQueue), humanDuration(s.serial.meanTimeInQueue)],
    ["p95 time in queue", humanDuration(s.gate.p95TimeInQueue), humanDuration(s.serial.p95TimeInQueue)],
    ["builds started", String(s.gate.buildsStarted), String(s.serial.buildsStarted)],
    ["builds wasted", String(s.gate.buildsWasted), String(s.serial.buildsWasted)],
  ];
  const lines = rows.map(([label, a, b]) => `    ${label.padEnd(22)}${a.padStart(11)}${b.padStart(11)}`);
  if (s.arrivalsPerHour !== null) lines.push(`    arrivals: ${rate(s.arrivalsPerHour)}/hour`);
  if (s.warning !== null) lines.push(`    ${s.warning}`);
  return lines;
}
