/**
 * Time for one event on a 1,000-item gate queue, per event kind. The queue is kept at 1,000 items:
 * every round finishes the oldest running build (10% fail), answers merges and submits at once,
 * and enqueues a new change for each one that left. Every `handle` call is timed and filed under
 * its kind (enqueue, merge-done, build-finished success/failure, submit-done); prints p50/p99/max
 * per kind. Then a failure at the head of a full 1,000-item queue: the time of that one event and
 * the commands it returns (merges counted), restored from the same snapshot each repetition.
 * Each gate case runs with lazy merges (the default) and as before issue 16 (`lazyMerges: false`,
 * every item in the window merged at once). Target: a head failure < 1 ms, ≤ 3 × capacity merges.
 * Run: npx bun bench/scheduler/one-event.ts [rounds]
 */
import { type Command, type Layout, Scheduler, type SchedulerEvent } from "../../src/scheduler/index.ts";
import { prng } from "../../src/simulate/generate.ts";

const rounds = Number(process.argv[2] ?? 3000);
const QUEUE = 1000;

interface Case {
  name: string;
  window: number;
  strategy: "zuul" | "adaptive";
  capacity?: number;
  lazyMerges?: boolean;
}

const layoutOf = (c: Case): Layout => ({
  pipelines: [{ name: "gate", manager: "dependent", window: { window: c.window }, strategy: c.strategy }],
  projects: [{ name: "p", pipelines: { gate: { jobs: ["unit", "lint"] } } }],
  jobs: [{ name: "unit" }, { name: "lint" }],
});
const optionsOf = (c: Case) => ({ ...(c.capacity === undefined ? {} : { capacity: c.capacity }), lazyMerges: c.lazyMerges ?? true });

/** A gate kept at 1,000 items by a fake merger, executor and Gerrit that answer at once. */
class Gate {
  readonly s: Scheduler;
  running: number[] = [];
  inbox: SchedulerEvent[] = [];
  queued = 0;
  next = 1;
  now = 0;
  constructor(
    readonly c: Case,
    readonly time: (kind: string, ms: number, cmds: Command[]) => void,
  ) {
    this.s = new Scheduler(layoutOf(c), optionsOf(c));
  }
  handle(ev: SchedulerEvent, timed: boolean): void {
    const t0 = performance.now();
    const cmds = this.s.handle(ev, this.now);
    const ms = performance.now() - t0;
    if (timed) this.time(kindOf(ev), ms, cmds);
    for (const cmd of cmds) {
      if (cmd.type === "merge") this.inbox.push({ type: "merge-done", mergeId: cmd.mergeId });
      else if (cmd.type === "start-build") this.running.push(cmd.buildId);
      else if (cmd.type === "cancel-build") this.running.splice(this.running.indexOf(cmd.buildId), 1);
      else if (cmd.type === "report" && cmd.submit) this.inbox.push({ type: "submit-done", itemId: cmd.itemId });
      else if (cmd.type === "dequeue") this.queued--;
    }
  }
  drain(timed: boolean): void {
    while (this.inbox.length > 0) this.handle(this.inbox.shift()!, timed);
  }
  fill(timed: boolean): void {
    while (this.queued < QUEUE) {
      this.queued++;
      const change = { id: `c${this.next++}`, project: "p", branch: "main", dependsOn: [] };
      this.handle({ type: "enqueue", pipeline: "gate", change }, timed);
      this.drain(timed);
    }
  }
}

function kindOf(ev: SchedulerEvent): string {
  return ev.type === "build-finished" ? `build-finished ${ev.result === "SUCCESS" ? "success" : "failure"}` : ev.type;
}

function steady(c: Case): Map<string, number[]> {
  const times = new Map<string, number[]>();
  const gate = new Gate(c, (kind, ms) => {
    const list = times.get(kind) ?? [];
    list.push(ms);
    times.set(kind, list);
  });
  const rand = prng(7);
  gate.fill(false);
  for (let r = 0; r < rounds; r++) {
    gate.now += 10;
    const buildId = gate.running.shift();
    if (buildId === undefined) break;
    gate.handle({ type: "build-finished", buildId, result: rand() < 0.1 ? "FAILURE" : "SUCCESS" }, true);
    gate.drain(true);
    gate.fill(true);
  }
  return times;
}

/** The head's build fails on a full queue whose merges are all done: one event, timed. */
function headFailure(c: Case, repeat = 200): { times: number[]; commands: Record<string, number> } {
  const gate = new Gate(c, () => {});
  gate.fill(false);
  const head = gate.running[0]!;
  const snapshot = gate.s.toJSON();
  const times: number[] = [];
  let commands: Record<string, number> = {};
  for (let r = 0; r < repeat; r++) {
    const s = Scheduler.fromJSON(layoutOf(c), snapshot, optionsOf(c));
    Bun.gc(true); // the restore's garbage is not this event's cost
    const t0 = performance.now();
    const cmds = s.handle({ type: "build-finished", buildId: head, result: "FAILURE" }, 1);
    times.push(performance.now() - t0);
    commands = {};
    for (const cmd of cmds) commands[cmd.type] = (commands[cmd.type] ?? 0) + 1;
  }
  return { times, commands };
}

const us = (ms: number) => `${(ms * 1000).toFixed(1)}µs`;
function figures(list: number[]): string {
  const sorted = list.slice().sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50=${us(at(0.5))} p99=${us(at(0.99))} max=${us(sorted[sorted.length - 1]!)} n=${sorted.length}`;
}

const cases: Case[] = [
  { name: "zuul capacity=50 window=20", window: 20, strategy: "zuul", capacity: 50 },
  { name: "zuul capacity=50 window=20 eager", window: 20, strategy: "zuul", capacity: 50, lazyMerges: false },
  { name: "zuul capacity=50 window=unlimited", window: 0, strategy: "zuul", capacity: 50 },
  { name: "zuul capacity=50 window=unlimited eager", window: 0, strategy: "zuul", capacity: 50, lazyMerges: false },
  { name: "zuul capacity=unlimited window=20", window: 20, strategy: "zuul" },
  { name: "adaptive capacity=50 window=20", window: 20, strategy: "adaptive", capacity: 50 },
  { name: "adaptive capacity=unlimited window=20", window: 20, strategy: "adaptive" },
];
for (const c of cases) {
  console.log(`one-event ${c.name} queue=${QUEUE}`);
  for (const [kind, list] of [...steady(c)].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${kind.padEnd(24)} ${figures(list)}`);
  if (c.strategy !== "zuul") continue;
  const { times, commands } = headFailure(c);
  const listed = Object.entries(commands)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ");
  console.log(`  ${"head failure".padEnd(24)} ${figures(times)}  commands: ${listed}`);
}
