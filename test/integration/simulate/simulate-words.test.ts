import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "gatebox-simulate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(name: string, pipeline: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
pipeline: ${pipeline}
jobs: [{name: test1, duration: 1200}]
generate: {changes: 200, arrivals-per-hour: 8, failure-rate: 0.1, seed: 7}
`,
  );
  return file;
}

function simulate(args: string[]) {
  const r = spawnSync(join(root, "node_modules/.bin/bun"), [join(root, "src/cli/main.ts"), "simulate", ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const keepsUp = scenario("keeps-up", "{manager: dependent}");
const fallsBehind = scenario("falls-behind", "{manager: dependent, window: 2, window-floor: 1, window-ceiling: 2}");

describe("gatebox simulate on a generated stream", () => {
  it("prints a table in words beside the serial baseline under PASS", () => {
    const r = simulate([keepsUp]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("PASS keeps-up");
    expect(lines[1]).toMatch(/^\s+this gate\s+serial$/);
    for (const label of ["merges/hour", "changes through/hour", "mean time in queue", "p95 time in queue", "builds started", "builds wasted"]) {
      expect(r.stdout).toMatch(new RegExp(`^    ${label}\\s+\\S+( \\S+)?\\s+\\S+( \\S+)?$`, "m"));
    }
    // Human units with one decimal, never raw seconds.
    expect(r.stdout).toMatch(/^ {4}mean time in queue\s+\d+\.\d (min|h)\s+\d+\.\d h$/m);
    expect(r.stdout).toMatch(/^ {4}merges\/hour\s+\d+\.\d\s+\d+\.\d$/m);
    expect(r.stdout).toMatch(/^ {4}arrivals: \d+\.\d\/hour$/m);
    expect(r.stdout).not.toMatch(/warning/);
  });

  it("warns when arrivals outrun the gate, naming both rates", () => {
    const r = simulate([fallsBehind]);
    expect(r.status).toBe(0);
    const warning = r.stdout.split("\n").find((l) => l.includes("warning"));
    expect(warning).toMatch(
      /^ {4}warning: (\d+\.\d) arrivals\/hour outrun the (\d+\.\d) changes\/hour the gate gets through \(\d+\.\d merges\/hour\): the queue grows without bound$/,
    );
    const [, arrivals, pace] = warning!.match(/(\d+\.\d) arrivals\/hour outrun the (\d+\.\d)/)!;
    expect(Number(arrivals)).toBeGreaterThan(Number(pace));
  });

  it("a hand-written scenario prints only its PASS line", () => {
    const r = simulate([join(root, "scenarios/01-all-pass.yaml")]);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("--json keeps FORMAT.md's keys and no table; --pretty is the same object, indented", () => {
    const json = simulate(["--json", keepsUp, fallsBehind]);
    const lines = json.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    const objects = lines.map((l) => JSON.parse(l));
    for (const obj of objects) {
      expect(Object.keys(obj)).toEqual(["name", "ok", "merged", "reported", "builds", "cancelled", "resets", "finishedAt", "throughput"]);
      expect(Object.keys(obj.throughput)).toEqual(["mergesPerHour", "meanTimeInQueue", "p95TimeInQueue", "buildsStarted", "buildsWasted"]);
    }
    const pretty = simulate(["--pretty", keepsUp]);
    expect(pretty.status).toBe(0);
    expect(pretty.stdout).toMatch(/^\{\n {2}"name": "keeps-up",\n/);
    expect(JSON.parse(pretty.stdout)).toEqual(objects[0]);
  });
});
