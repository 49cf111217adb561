/**
 * What hiding secrets costs the console: MiB/s of job output written through a ConsoleWriter with
 * no secrets, one, and ten (one of them a 3 KiB key), for text that holds no secret and for text
 * full of near misses (every line begins like a secret). No engine needed.
 * Run: npx bun bench/executor/masking.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConsoleWriter } from "../../src/logs/console-writer.ts";

const MIB = 1024 * 1024;
const TOTAL = 64 * MIB;
const CHUNK = 32 * 1024;
const dir = mkdtempSync(join(tmpdir(), "gatebox-bench-mask-"));

const plain = "compiling src/module.ts ... ok (12 ms)\n";
const nearMiss = "s3cre+ almost the token, but not quite\n";
const key = `-----BEGIN KEY-----${"k".repeat(3000)}`;
const sets: Record<string, string[]> = {
  none: [],
  one: ["s3cret-token-value"],
  ten: ["s3cret-token-value", key, ...Array.from({ length: 8 }, (_, i) => `password-${i}-xyz`)],
};

function run(name: string, secrets: string[], line: string): void {
  const text = Buffer.from(line.repeat(Math.ceil(CHUNK / line.length)).slice(0, CHUNK));
  const w = new ConsoleWriter(join(dir, `${name}.jsonl`), name, Date.now, secrets);
  const t0 = performance.now();
  for (let n = 0; n < TOTAL; n += CHUNK) w.stdout(text);
  w.close("SUCCESS");
  const secs = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(30)} ${(TOTAL / MIB / secs).toFixed(0).padStart(5)} MiB/s`);
}

for (const [name, secrets] of Object.entries(sets)) {
  run(`${name} secrets, plain`, secrets, plain);
  run(`${name} secrets, near misses`, secrets, nearMiss);
}
rmSync(dir, { recursive: true, force: true });
