/**
 * Generated stream of 10,000 changes: one 3600 s job, failure-rate 0.1, capacity 50, one arrival a
 * minute (more than the gate can take, so the queue is always full). Prints wall time and
 * merges/hour for serial and dependent (zuul and adaptive strategies), and dependent's merges/hour
 * as a fraction of the bound for all-passing changes (capacity / jobs per change / duration, per
 * hour = 50/h). Target: each run under 10 s of wall time.
 * Run: npx bun bench/simulate/stream.ts [changes]
 */
import { runScenario } from "../../src/simulate/run.ts";
import { parseScenario } from "../../src/simulate/scenario.ts";

const changes = Number(process.argv[2] ?? 10_000);
const capacity = 50;
const duration = 3600;
const jobsPerChange = 1;
const bound = (capacity / jobsPerChange / duration) * 3600;

const cases = [
  { manager: "serial", failureRate: 0.1, strategy: "zuul" },
  { manager: "dependent", failureRate: 0.1, strategy: "zuul" },
  { manager: "dependent", failureRate: 0.1, strategy: "adaptive" },
  // The same gate with no bad changes: how close NNFI gets to the bound when nothing fails.
  { manager: "dependent", failureRate: 0, strategy: "zuul" },
  { manager: "dependent", failureRate: 0, strategy: "adaptive" },
] as const;

for (const { manager, failureRate, strategy } of cases) {
  const text = `
name: ${manager} stream
pipeline: {manager: ${manager}, strategy: ${strategy}}
jobs: [{name: test1, duration: ${duration}}]
generate: {changes: ${changes}, arrival-interval: 60, failure-rate: ${failureRate}, seed: 42}
capacity: ${capacity}
`;
  const started = performance.now();
  const { outcome } = runScenario(parseScenario(`${manager}.yaml`, text));
  const wall = (performance.now() - started) / 1000;
  const t = outcome.throughput!;
  const line = [
    `${manager.padEnd(9)} ${strategy.padEnd(8)} failure-rate=${failureRate} changes=${changes}`,
    `wall=${wall.toFixed(2)}s`,
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
