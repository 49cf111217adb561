/** The result object of one scenario, with exactly FORMAT.md's keys (and in its order). */
export interface Outcome {
  name: string;
  ok: boolean;
  merged: string[];
  reported: Record<string, number | string>;
  builds: Record<string, number>;
  cancelled: Record<string, number>;
  resets: number;
  finishedAt: number;
  throughput: Throughput | null;
}

export interface Throughput {
  mergesPerHour: number;
  meanTimeInQueue: number;
  p95TimeInQueue: number;
  buildsStarted: number;
  buildsWasted: number;
}

export function throughput(
  merged: number,
  finishedAt: number,
  timesInQueue: number[],
  buildsStarted: number,
  buildsWasted: number,
): Throughput {
  const sorted = [...timesInQueue].sort((a, b) => a - b);
  const n = sorted.length;
  // Nearest rank: the smallest value with at least 95% of values at or below it.
  const p95 = n === 0 ? 0 : sorted[Math.max(0, Math.ceil(0.95 * n) - 1)]!;
  return {
    mergesPerHour: finishedAt > 0 ? merged / (finishedAt / 3600) : 0,
    meanTimeInQueue: n === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / n,
    p95TimeInQueue: p95,
    buildsStarted,
    buildsWasted,
  };
}
