import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { InputError } from "../../../src/errors.ts";
import { withValues } from "./support.ts";

/**
 * Hostile config files, generated: a valid config mutated with aliases (unknown, self-containing,
 * a billion laughs), deep nesting, prototype keys and names, raw bytes, huge numbers, long
 * strings, duplicate keys and YAML oddities. Whatever comes out, parseConfig returns a config or
 * throws an InputError whose lines are `gatebox.yaml:LINE: …` (or name the file), within
 * TIME_BOUND_MS, and nothing reaches Object.prototype.
 */

/** GATEBOX_FUZZ_RUNS=20000 for a longer hunt. */
const RUNS = Number(process.env["GATEBOX_FUZZ_RUNS"] ?? 1500);
const TIME_BOUND_MS = 3000;
const example = readFileSync(join(import.meta.dirname, "../../../examples/gatebox.yaml"), "utf8");

const PROTO_WORDS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__", "name", "jobs"];

const longString = fc.integer({ min: 1, max: 200_000 }).map((n) => `"${"x".repeat(n)}"`);
const bytes = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 40 })
  .map((codes) => String.fromCharCode(...codes));
const hugeNumber = fc.constantFrom("1e400", "-1e400", "9".repeat(400), ".inf", "-.inf", ".nan", "0x7fffffffffffffffffff", "-0", "1e-400", "0o777777777777777777777");
const deepFlow = fc.integer({ min: 10, max: 3000 }).map((d) => `${"[".repeat(d)}${"]".repeat(d)}`);
const deepMap = fc.integer({ min: 10, max: 300 }).map((d) => `${"{a: ".repeat(d)}1${"}".repeat(d)}`);
const aliasValue = fc.oneof(
  fc.constant("*nowhere"),
  fc.constant("&self [*self]"),
  fc.integer({ min: 1, max: 2000 }).map((n) => `[${Array(n).fill("*base").join(", ")}]`),
  fc.constant("*laughs"),
  fc.constant("*base"),
);
const yamlOddity = fc.constantFrom("!!binary AAAA", "!custom x", "!!set {a, b}", "!!omap [{a: 1}]", "~", "|\n  block", ">-\n  folded", "? [a]\n  : b", "<<: *base", "---", "...", "%YAML 1.1", "\t- tab", "'unterminated", '"\\u0000"', "{", "]", "&", "*", ":", "- - -", "@", "`");
const value = fc.oneof(
  longString,
  bytes.map((b) => JSON.stringify(b)),
  bytes,
  hugeNumber,
  deepFlow,
  deepMap,
  aliasValue,
  yamlOddity,
  fc.constantFrom(...PROTO_WORDS),
  fc.constantFrom("true", "null", "[]", "{}", "''", "0", "-1", "3.5", "2g", "30m", "127.0.0.1:99999", "256.1.1.1:80"),
);
const key = fc.oneof(fc.constantFrom(...PROTO_WORDS), fc.constantFrom("timeout", "poll_interval", "manager", "pipelines", "secrets", "<<"), bytes.map((b) => JSON.stringify(b)));

type Mutation =
  | { kind: "insert"; at: number; indent: number; key: string; value: string }
  | { kind: "replace"; at: number; value: string }
  | { kind: "bytes"; at: number; text: string }
  | { kind: "duplicate"; at: number }
  | { kind: "truncate"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), indent: fc.nat({ max: 6 }), key, value }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value }),
  fc.record({ kind: fc.constant("bytes" as const), at: fc.nat(), text: bytes }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

/** Anchors the aliases above may name (none, a small value, and a billion laughs too). */
function header(kind: "none" | "base" | "laughs"): string {
  if (kind === "none") return "";
  let text = "x-base: &base {name: unit, image: b, run: x}\n";
  if (kind === "base") return text;
  text += "l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n";
  for (let i = 1; i <= 8; i++) text += `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]\n`;
  return `${text}x-laughs: &laughs *l8\n`;
}

function mutate(base: string, mutations: Mutation[]): string {
  let lines = base.split("\n");
  for (const m of mutations) {
    const at = m.at % (lines.length + 1);
    if (m.kind === "insert") lines.splice(at, 0, `${" ".repeat(m.indent)}${m.key}: ${m.value}`);
    else if (m.kind === "replace" && lines[at] !== undefined) {
      const colon = lines[at].indexOf(": ");
      lines[at] = colon >= 0 ? `${lines[at].slice(0, colon)}: ${m.value}` : `${lines[at]} ${m.value}`;
    } else if (m.kind === "bytes") {
      const line = lines[at] ?? "";
      const pos = m.at % (line.length + 1);
      lines[at] = line.slice(0, pos) + m.text + line.slice(pos);
    } else if (m.kind === "duplicate" && lines[at] !== undefined) lines.splice(at, 0, lines[at]);
    else if (m.kind === "truncate") lines = lines.slice(0, Math.max(1, at));
  }
  return lines.join("\n");
}

const stats = { runs: 0, accepted: 0, refused: 0, maxMs: 0, maxBytes: 0 };
afterAll(() => {
  // The numbers the hardening report quotes.
  console.log(`hostile configs: ${stats.runs} inputs (${stats.accepted} accepted, ${stats.refused} refused), slowest ${stats.maxMs.toFixed(1)} ms, largest ${stats.maxBytes} bytes`);
});

function check(text: string): void {
  const t0 = performance.now();
  try {
    parseConfig("gatebox.yaml", text);
    stats.accepted++;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    stats.refused++;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const line of err.problems) expect(line).toMatch(/^(gatebox\.yaml(:\d+)?: |… and )/);
  }
  const ms = performance.now() - t0;
  stats.runs++;
  stats.maxMs = Math.max(stats.maxMs, ms);
  stats.maxBytes = Math.max(stats.maxBytes, Buffer.byteLength(text));
  expect(ms).toBeLessThan(TIME_BOUND_MS);
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
}

describe("hostile config files", () => {
  it(`never throw anything but an InputError, each within ${TIME_BOUND_MS} ms (${RUNS} generated files)`, () => {
    const base = fc.constantFrom(example, withValues());
    const anchors = fc.constantFrom("none" as const, "base" as const, "laughs" as const);
    fc.assert(
      fc.property(base, anchors, fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, kind, mutations) => {
        check(mutate(header(kind) + text, mutations));
      }),
      { numRuns: RUNS },
    );
  }, 30_000 + RUNS * 40);
});
