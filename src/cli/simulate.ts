import { readSmallFile } from "../config/read-file.ts";
import { MAX_YAML_BYTES } from "../config/yaml-source.ts";
import { InputError, UsageError } from "../errors.ts";
import type { Strategy } from "../scheduler/index.ts";
import type { Throughput } from "../simulate/outcome.ts";
import { type RunResult, runScenario } from "../simulate/run.ts";
import { parseScenario, type Scenario } from "../simulate/scenario.ts";
import { formatSummary, streamSummary } from "../simulate/summary.ts";
import { parseFlags, positionals } from "./args.ts";

const STRATEGIES: readonly Strategy[] = ["zuul", "adaptive"];

/** How results are printed: text, JSON Lines (`--json`), or indented JSON (`--pretty`). */
type Json = "lines" | "pretty" | null;

function writeJson(value: unknown, json: "lines" | "pretty"): void {
  process.stdout.write(`${json === "pretty" ? JSON.stringify(value, null, 2) : JSON.stringify(value)}\n`);
}

/**
 * `gatebox simulate FILE... [--json] [--compare zuul,adaptive]` (FORMAT.md "Command"). Every file is
 * run even after a failure; exit 2 when any file is invalid, else 1 when any expect does not hold
 * (with --compare: the expect of the file's own strategy), else 0. `--compare` runs each file once
 * per strategy named and prints the figures side by side (docs/strategy.md).
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: files } = parseFlags("simulate", argv, {
    json: { type: "boolean" },
    pretty: { type: "boolean" },
    compare: { type: "string" },
  });
  positionals("simulate", files, ["FILE..."], 1);
  // --pretty is --json indented for people: the same keys, one object after another.
  const json: Json = values.pretty === true ? "pretty" : values.json === true ? "lines" : null;
  const compare = values.compare === undefined ? null : strategies(values.compare);
  let status = 0;
  for (const file of files) {
    const sc = load(file);
    if (sc === null) {
      status = 2;
      continue;
    }
    const ok = compare ? printCompare(sc, compare, json) : printOne(sc, runScenario(sc), json);
    if (!ok && status === 0) status = 1;
  }
  return status;
}

function strategies(text: string): Strategy[] {
  const names = text.split(",").map((s) => s.trim());
  const bad = names.find((n) => !STRATEGIES.includes(n as Strategy));
  if (bad !== undefined || names.length === 0) {
    throw new UsageError(`gatebox simulate: --compare takes strategies among ${STRATEGIES.join(", ")} (got '${bad ?? text}')`);
  }
  return names as Strategy[];
}

/** The parsed scenario, or null after saying why it cannot be run. */
function load(file: string): Scenario | null {
  // A regular file of a bounded size: a FIFO or /dev/zero must not hang or fill memory.
  const read = readSmallFile(file, MAX_YAML_BYTES);
  if (!("text" in read)) {
    process.stderr.write(`${file}: ${"code" in read ? `cannot read the scenario (${read.code})` : read.why}\n`);
    return null;
  }
  try {
    return parseScenario(file, read.text);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return null;
  }
}

function printOne(sc: Scenario, result: RunResult, json: Json): boolean {
  const { outcome, diff } = result;
  if (json) writeJson(outcome, json);
  else {
    process.stdout.write(`${outcome.ok ? "PASS" : "FAIL"} ${outcome.name}\n`);
    for (const line of diff) process.stdout.write(`    ${line}\n`);
    // A generated stream is a what-if: say what it means, beside one-at-a-time testing.
    if (sc.generated) for (const line of formatSummary(streamSummary(sc, result))) process.stdout.write(`${line}\n`);
  }
  return outcome.ok;
}

/** Runs the scenario once per strategy and prints the figures side by side; true when its own holds. */
function printCompare(sc: Scenario, names: Strategy[], json: Json): boolean {
  const results = names.map((strategy) => ({ strategy, ...runScenario(sc, { strategy }) }));
  const own = results.find((r) => r.strategy === sc.strategy) ?? runScenarioOwn(sc);
  if (json) {
    const figures = Object.fromEntries(results.map((r) => [r.strategy, { ok: r.outcome.ok, merged: r.outcome.merged.length, ...r.stats }]));
    writeJson({ name: sc.name, file: sc.file, ok: own.outcome.ok, compare: figures }, json);
    return own.outcome.ok;
  }
  process.stdout.write(`${sc.name} (${sc.file}, ${sc.strategy} in the file)\n`);
  const width = Math.max(10, ...names.map((n) => n.length + 2));
  const row = (label: string, cells: string[]) => `  ${label.padEnd(22)}${cells.map((c) => c.padStart(width)).join("")}\n`;
  process.stdout.write(row("", names));
  const hours = (s: number) => `${(s / 3600).toFixed(2)} h`;
  const rows: [string, (t: Throughput, r: RunResult) => string][] = [
    ["merges/hour", (t) => t.mergesPerHour.toFixed(2)],
    ["merged", (_t, r) => String(r.outcome.merged.length)],
    ["mean time in queue", (t) => hours(t.meanTimeInQueue)],
    ["p95 time in queue", (t) => hours(t.p95TimeInQueue)],
    ["builds started", (t) => String(t.buildsStarted)],
    ["builds wasted", (t) => String(t.buildsWasted)],
    ["expect", (_t, r) => (sc.expect === null ? "-" : r.outcome.ok ? "PASS" : "FAIL")],
  ];
  for (const [label, cell] of rows) process.stdout.write(row(label, results.map((r) => cell(r.stats, r))));
  const base = results[0]!.stats.mergesPerHour;
  if (results.length > 1 && base > 0) {
    process.stdout.write(row("merges/hour ratio", results.map((r) => `${(r.stats.mergesPerHour / base).toFixed(2)}x`)));
  }
  return own.outcome.ok;
}

function runScenarioOwn(sc: Scenario): RunResult {
  return runScenario(sc);
}
