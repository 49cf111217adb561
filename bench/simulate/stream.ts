/**
 * A generated stream through `gatebox simulate`'s runner: one 3600 s job, capacity 50, one arrival
 * a minute (more than the gate can take, so the queue only grows). Prints wall time, CPU time
 * (user + system) and peak RSS of the process, and the gate's figures: merges/hour, as a fraction
 * of the bound for all-passing changes (capacity / jobs per change / duration = 50/h), time in
 * queue, builds, resets.
 *
 * Run one case:  npx bun bench/simulate/stream.ts <failure-rate> <changes> [manager] [strategy]
 *   e.g.         npx bun bench/simulate/stream.ts 0 20000          (target: < 3 s, < 250 MiB)
 * Run the set:   npx bun bench/simulate/stream.ts
 * Each case of the set runs in a process of its own, so its peak RSS is its own.
 */
import { spawnSync } from "node:child_process";
import { runScenario } from "../../src/simulate/run.ts";
import { parseScenario } from "../../src/simulate/scenario.ts";

const capacity = 50;
const duration = 3600;
const jobsPerChange = 1;
const bound = (capacity / jobsPerChange / duration) * 3600;

const CASES: string[][] = [
  ["0", "20000", "dependent", "zuul"],
  ["0", "10000", "dependent", "zuul"],
  ["0.1", "10000", "dependent", "zuul"],
  ["0.1", "10000", "serial", "zuul"],
  ["0.1", "10000", "dependent", "adaptive"],
  ["0", "10000", "dependent", "adaptive"],
];

function runOne(failureRate: number, changes: number, manager: string, strategy: string): void {
  const text = `
name: ${manager} stream
pipeline: {manager: ${manager}, strategy: ${strategy}}
jobs: [{name: test1, duration: ${duration}}]
generate: {changes: ${changes}, arrival-interval: 60, failure-rate: ${failureRate}, seed: 42}
capacity: ${capacity}
`;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const { outcome } = runScenario(parseScenario(`${manager}.yaml`, text));
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const t = outcome.throughput!;
  const line = [
    `${manager.padEnd(9)} ${strategy.padEnd(8)} failure-rate=${failureRate} changes=${changes}`,
    `wall=${wall.toFixed(2)}s`,
    `cpu=${((cpu.user + cpu.system) / 1e6).toFixed(2)}s`,
    // maxRSS is in KiB on Linux.
    `peakRSS=${(process.resourceUsage().maxRSS / 1024).toFixed(0)}MiB`,
    `merged=${outcome.merged.length}`,
    `mergesPerHour=${t.mergesPerHour.toFixed(2)}`,
    `meanTimeInQueue=${(t.meanTimeInQueue / 3600).toFixed(1)}h`,
    `p95=${(t.p95TimeInQueue / 3600).toFixed(1)}h`,
    `buildsStarted=${t.buildsStarted}`,
    `buildsWasted=${t.buildsWasted}`,
    `resets=${outcome.resets}`,
  ];
  if (manager === "dependent") line.push(`fractionOfBound=${(t.mergesPerHour / bound).toFixed(3)} (bound ${bound}/h)`);
  console.log(line.join("  "));
}

const [rate, count, manager = "dependent", strategy = "zuul"] = process.argv.slice(2);
if (rate !== undefined) {
  const failureRate = Number(rate);
  const changes = Number(count ?? 10_000);
  if (!(failureRate >= 0 && failureRate <= 1) || !(Number.isInteger(changes) && changes > 0)) {
    console.error("usage: stream.ts <failure-rate 0..1> <changes> [dependent|serial] [zuul|adaptive]");
    process.exit(2);
  }
  runOne(failureRate, changes, manager, strategy);
} else {
  for (const args of CASES) {
    const r = spawnSync(process.execPath, [process.argv[1]!, ...args], { stdio: "inherit" });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
