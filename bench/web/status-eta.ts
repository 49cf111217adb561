/**
 * The status page's ETAs (src/web/status-eta.ts) on a long gate: 1,000 items of 3 jobs, a window of
 * 20 and 50 executors (the head's builds running, the rest of the window waiting for an executor,
 * the others outside the window). Prints the median and p90 time of jobEtas and of the whole
 * toStatusJson, and the ETA of the last item, over 200 runs.
 * Run: npx bun bench/web/status-eta.ts [items]
 */
import type { ItemView, SchedulerView } from "../../src/scheduler/index.ts";
import { jobEtas } from "../../src/web/status-eta.ts";
import { toStatusJson } from "../../src/web/status-view.ts";

const n = Number(process.argv[2] ?? 1000);
const window = 20;
const capacity = 50;
const now = 100_000;
const medians = new Map([
  ["lint", 120],
  ["unit", 900],
  ["integration", 1800],
]);
let running = 0;
const items: ItemView[] = Array.from({ length: n }, (_, k) => ({
  itemId: k + 1,
  change: { id: String(k + 1), project: "p", branch: "main", dependsOn: [] },
  enqueuedAt: 0,
  itemAhead: k === 0 ? null : String(k),
  active: k < window,
  failing: false,
  failingReason: null,
  submitting: false,
  state: k < window ? [String(k + 1)] : null,
  jobs: [...medians.keys()].map((job) => {
    const run = k < window && running < capacity;
    if (run) running++;
    return { job, state: run ? "running" : k < window ? "waiting: capacity" : "waiting: outside window", buildId: run ? running : null, startedAt: run ? now - 60 : null, endedAt: null };
  }),
}));
const view: SchedulerView = { running, capacity, pipelines: [{ name: "gate", manager: "dependent", queues: [{ name: "q", window, items }] }] };

function time(f: () => void): { median: number; p90: number } {
  const t: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[100]!, p90: t[180]! };
}

const etas = time(() => jobEtas(view, (j) => medians.get(j) ?? null, now));
const json = time(() => toStatusJson(view, medians, now));
const last = toStatusJson(view, medians, now).pipelines[0]!.queues[0]!.items.at(-1)!;
console.log(`${n} items, window ${window}, ${capacity} executors`);
console.log(`jobEtas:      median ${etas.median.toFixed(2)} ms, p90 ${etas.p90.toFixed(2)} ms`);
console.log(`toStatusJson: median ${json.median.toFixed(2)} ms, p90 ${json.p90.toFixed(2)} ms`);
console.log(`the last item's ETA: ${(last.remaining! / 3600).toFixed(1)} h (its own jobs alone: ${(1800 / 3600).toFixed(1)} h)`);
