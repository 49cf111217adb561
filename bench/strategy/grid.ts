/**
 * The adaptive strategy against zuul on generated streams (docs/strategy.md): one 1-hour job,
 * arrivals every 60 s (faster than either gate), failure rate x executors, several seeds. Prints,
 * per cell, merges/hour of each (summed over the seeds), the ratio, wasted builds per merged change,
 * builds started per merged change, and the mode the adaptive queue ended in; then the median
 * ratio. With --load, a second table at moderate load (arrivals at half zuul's throughput): p95
 * time in queue of each. With --risky, a third table where the source knows each change's risk
 * (generate.risky: a share of risky changes fail with a high rate, the rest with a low one, and the
 * core is told each change's probability). Figures, not a timed test.
 * Run: npx bun bench/strategy/grid.ts [changes=400] [seeds=3] [--load] [--risky]
 */
import { runScenario } from "../../src/simulate/run.ts";
import { parseScenario } from "../../src/simulate/scenario.ts";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const changes = Number(args[0] ?? 400);
const seeds = Array.from({ length: Number(args[1] ?? 3) }, (_, i) => i + 1);
const load = process.argv.includes("--load");
const risky = process.argv.includes("--risky");
const rates = [0.02, 0.05, 0.1, 0.2];
const executors = [1, 4, 16, 50];

interface Sum {
  merged: number;
  hours: number;
  wasted: number;
  started: number;
  p95: number[];
  mode: string;
}

function run(strategy: string, rate: number, capacity: number, seed: number, arrival: number, n: number, extra = "") {
  const text = `name: grid
pipeline: {manager: dependent, strategy: ${strategy}}
jobs: [{name: test1, duration: 3600}]
generate: {changes: ${n}, arrival-interval: ${arrival}, failure-rate: ${rate}, seed: ${seed}${extra}}
capacity: ${capacity}
`;
  return runScenario(parseScenario("grid.yaml", text));
}

function cell(strategy: string, rate: number, capacity: number, arrival: (seed: number) => number, n: number, extra = ""): Sum {
  const sum: Sum = { merged: 0, hours: 0, wasted: 0, started: 0, p95: [], mode: "" };
  for (const seed of seeds) {
    const { outcome, stats } = run(strategy, rate, capacity, seed, arrival(seed), n, extra);
    sum.merged += outcome.merged.length;
    sum.hours += outcome.finishedAt / 3600;
    sum.wasted += stats.buildsWasted;
    sum.started += stats.buildsStarted;
    sum.p95.push(stats.p95TimeInQueue);
  }
  return sum;
}

const mph = (s: Sum) => s.merged / s.hours;
const pad = (v: string | number, n: number) => String(v).padStart(n);
const ratios: number[] = [];
console.log(`grid: ${changes} changes x ${seeds.length} seeds per cell, 1 job of 3600 s, arrival every 60 s`);
console.log(`${"fail".padStart(5)} ${"exec".padStart(4)} | ${"zuul/h".padStart(7)} ${"adapt/h".padStart(7)} ${"ratio".padStart(6)} | wasted/merged z→a | started/merged z→a`);
const zuulRate = new Map<string, number>();
for (const rate of rates) {
  for (const cap of executors) {
    const z = cell("zuul", rate, cap, () => 60, changes);
    const a = cell("adaptive", rate, cap, () => 60, changes);
    zuulRate.set(`${rate}/${cap}`, mph(z));
    const ratio = mph(a) / mph(z);
    ratios.push(ratio);
    const w = (s: Sum) => (s.wasted / s.merged).toFixed(2);
    const st = (s: Sum) => (s.started / s.merged).toFixed(2);
    console.log(
      `${pad(`${rate * 100}%`, 5)} ${pad(cap, 4)} | ${pad(mph(z).toFixed(2), 7)} ${pad(mph(a).toFixed(2), 7)} ${pad(ratio.toFixed(2), 6)} | ${pad(w(z), 6)} → ${pad(w(a), 5)} | ${pad(st(z), 6)} → ${pad(st(a), 5)}`,
    );
  }
}
ratios.sort((x, y) => x - y);
const median = (ratios[7]! + ratios[8]!) / 2;
console.log(`ratio: min ${ratios[0]!.toFixed(2)}, median ${median.toFixed(2)}, max ${ratios.at(-1)!.toFixed(2)}`);

if (load) {
  console.log("\nmoderate load: arrivals at half zuul's throughput; p95 time in queue (hours), mean over seeds");
  for (const rate of rates) {
    for (const cap of executors) {
      const arrival = () => Math.round(3600 / (0.5 * zuulRate.get(`${rate}/${cap}`)!));
      const n = Math.min(changes, 200);
      const z = cell("zuul", rate, cap, arrival, n);
      const a = cell("adaptive", rate, cap, arrival, n);
      const p = (s: Sum) => s.p95.reduce((x, y) => x + y, 0) / s.p95.length / 3600;
      console.log(`${pad(`${rate * 100}%`, 5)} ${pad(cap, 4)} | arrival ${pad(arrival(), 5)} s | p95 zuul ${p(z).toFixed(2)} h, adaptive ${p(a).toFixed(2)} h (${(p(a) / p(z)).toFixed(2)}x)`);
    }
  }
}

if (risky) {
  console.log("\nrisk known per change (10% overall; generate.risky share/rate), arrival every 60 s");
  for (const [share, rate] of [
    [0.1, 0.8],
    [0.2, 0.4],
  ] as const) {
    for (const cap of [4, 16, 50]) {
      const extra = `, risky: {share: ${share}, rate: ${rate}}`;
      const z = cell("zuul", 0.1, cap, () => 60, changes, extra);
      const a = cell("adaptive", 0.1, cap, () => 60, changes, extra);
      const w = (s: Sum) => (s.wasted / s.merged).toFixed(2);
      console.log(
        `share ${share} at ${rate}: ${pad(cap, 3)} executors | ${pad(mph(z).toFixed(2), 6)} → ${pad(mph(a).toFixed(2), 6)} (${(mph(a) / mph(z)).toFixed(2)}x) | wasted/merged ${w(z)} → ${w(a)}`,
      );
    }
  }
}
