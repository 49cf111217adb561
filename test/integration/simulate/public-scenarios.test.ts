import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../../src/simulate/run.ts";
import { parseScenario } from "../../../src/simulate/scenario.ts";
import { readFileSync } from "node:fs";

const root = join(import.meta.dirname, "../../..");
// The repository's own copy of the public scenarios (beside FORMAT.md): a clone needs nothing else.
const scenarios = join(root, "scenarios");
const files = readdirSync(scenarios)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => join(scenarios, f));

function cli(args: string[]) {
  const r = spawnSync(join(root, "node_modules/.bin/bun"), [join(root, "src/cli/main.ts"), "simulate", ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("public scenarios", () => {
  it("there are scenarios to run", () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  for (const file of files) {
    it(file.split("/").pop()!, () => {
      const { outcome, diff } = runScenario(parseScenario(file, readFileSync(file, "utf8")));
      expect(diff).toEqual([]);
      expect(outcome.ok).toBe(true);
    });
  }
});

describe("gatebox simulate", () => {
  it("prints PASS lines and exits 0 for the public scenarios", () => {
    const r = cli(files);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(files.length);
    expect(r.stdout).not.toMatch(/FAIL/);
  });

  it("prints JSON Lines with exactly FORMAT.md's keys", () => {
    const r = cli([files[0]!, "--json"]);
    const obj = JSON.parse(r.stdout.trim());
    expect(Object.keys(obj)).toEqual(["name", "ok", "merged", "reported", "builds", "cancelled", "resets", "finishedAt", "throughput"]);
  });

  it("--compare prints both strategies side by side; an unknown strategy is a usage error", () => {
    const file = files.find((f) => f.includes("12-adaptive"))!;
    const r = cli(["--compare", "zuul,adaptive", file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+zuul\s+adaptive$/m);
    expect(r.stdout).toMatch(/^\s+merges\/hour\s+60\.00\s+120\.00$/m);
    expect(r.stdout).toMatch(/builds wasted/);
    const json = JSON.parse(cli(["--compare", "zuul,adaptive", "--json", file]).stdout.trim());
    expect(Object.keys(json.compare)).toEqual(["zuul", "adaptive"]);
    expect(cli(["--compare", "zuul,fast", file]).status).toBe(2);
  });

  it("exits 1 with a diff when expect does not hold, 2 when a file is invalid", () => {
    const dir = mkdtempSync(join(tmpdir(), "gatebox-sim-"));
    const failing = join(dir, "failing.yaml");
    writeFileSync(failing, "name: wrong\njobs: [{name: t}]\nchanges: [{id: A}]\nexpect: {merged: []}\n");
    const invalid = join(dir, "invalid.yaml");
    writeFileSync(invalid, "name: bad\njobs:\n  - name: t\n    voting: maybe\n");
    const fail = cli([failing]);
    expect(fail.status).toBe(1);
    expect(fail.stdout).toContain("FAIL wrong\n    merged: expected [], got [A]");
    const bad = cli([failing, invalid]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/invalid\.yaml:4: jobs\[0\]\.voting: /);
  });
});
