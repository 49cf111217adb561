/**
 * Time for one event on a 1,000-item gate queue. The queue is kept at 1,000 items: every round
 * finishes the oldest running build (10% of them fail), answers merges and submits at once, and
 * enqueues a new change for each one that left. Every `handle` call is timed; prints the median
 * and p99 (target: median < 1 ms), with the default window (20) and with an unlimited window, for
 * the zuul strategy; and for the adaptive strategy with 50 executors and with unlimited ones.
 * Run: npx bun bench/scheduler/one-event.ts [rounds]
 */
import { type Command, Scheduler, type SchedulerEvent } from "../../src/scheduler/index.ts";
import { prng } from "../../src/simulate/generate.ts";

const rounds = Number(process.argv[2] ?? 5000);
const QUEUE = 1000;

function bench(window: number, strategy: "zuul" | "adaptive", capacity?: number): { median: number; p99: number; events: number } {
  const s = new Scheduler(
    {
      pipelines: [{ name: "gate", manager: "dependent", window: { window }, strategy }],
      projects: [{ name: "p", pipelines: { gate: { jobs: ["unit", "lint"] } } }],
      jobs: [{ name: "unit" }, { name: "lint" }],
    },
    capacity === undefined ? {} : { capacity },
  );
  const rand = prng(7);
  const running: number[] = [];
  const inbox: SchedulerEvent[] = [];
  const times: number[] = [];
  let now = 0;
  let next = 1;
  let queued = 0;
  const apply = (cmds: Command[]) => {
    for (const c of cmds) {
      if (c.type === "merge") inbox.push({ type: "merge-done", mergeId: c.mergeId });
      else if (c.type === "start-build") running.push(c.buildId);
      else if (c.type === "cancel-build") running.splice(running.indexOf(c.buildId), 1);
      else if (c.type === "report" && c.submit) inbox.push({ type: "submit-done", itemId: c.itemId });
      else if (c.type === "dequeue") queued--;
    }
  };
  const handle = (ev: SchedulerEvent, timed: boolean) => {
    const t0 = performance.now();
    const cmds = s.handle(ev, now);
    if (timed) times.push(performance.now() - t0);
    apply(cmds);
  };
  const fill = (timed: boolean) => {
    while (queued < QUEUE) {
      const id = `c${next++}`;
      queued++;
      handle({ type: "enqueue", pipeline: "gate", change: { id, project: "p", branch: "main", dependsOn: [] } }, timed);
      while (inbox.length > 0) handle(inbox.shift()!, timed);
    }
  };
  fill(false);
  for (let r = 0; r < rounds; r++) {
    now += 10;
    const buildId = running.shift();
    if (buildId === undefined) break;
    handle({ type: "build-finished", buildId, result: rand() < 0.1 ? "FAILURE" : "SUCCESS" }, true);
    while (inbox.length > 0) handle(inbox.shift()!, true);
    fill(true);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { median: at(0.5), p99: at(0.99), events: times.length };
}

const cases = [
  { window: 20, strategy: "zuul" },
  { window: 0, strategy: "zuul" },
  { window: 20, strategy: "adaptive", capacity: 50 },
  { window: 20, strategy: "adaptive" },
] as const;
for (const c of cases) {
  const r = bench(c.window, c.strategy, "capacity" in c ? c.capacity : undefined);
  const cap = "capacity" in c ? ` capacity=${c.capacity}` : "";
  console.log(
    `one-event ${c.strategy} queue=${QUEUE} window=${c.window === 0 ? "unlimited" : c.window}${cap}: median=${(r.median * 1000).toFixed(1)}µs p99=${(r.p99 * 1000).toFixed(1)}µs over ${r.events} events`,
  );
}
