import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../support/binary.ts";

// A newcomer's first steps: a fresh clone of the committed HEAD, `npm ci` from the npm cache (no
// network), then `npx gatebox …`. The clone sits alone in a temporary folder: nothing from outside the repository beside it.
let top: string;
let clone: string;
let npmCache: string;

function run(cmd: string, args: string[], cwd: string, timeout = 120_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  top = mkdtempSync(join(tmpdir(), "gatebox-clone-"));
  clone = join(top, "gatebox");
  const git = run("git", ["clone", "-q", REPO_ROOT, clone], top);
  if (git.status !== 0) throw new Error(`git clone failed: ${git.stderr}`);
  const ci = run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], clone, 300_000);
  if (ci.status !== 0) throw new Error(`npm ci --offline failed (is the npm cache filled? run npm ci once):\n${ci.stderr}`);
  npmCache = run("npm", ["config", "get", "cache"], clone).stdout.trim();
}, 330_000);

afterAll(() => {
  if (top) rmSync(top, { recursive: true, force: true });
  // npx installs the clone's own package into <cache>/_npx/<hash>: remove the entries naming it.
  const npx = join(npmCache ?? "", "_npx");
  if (!npmCache || !existsSync(npx)) return;
  for (const entry of readdirSync(npx)) {
    const manifest = join(npx, entry, "package.json");
    if (existsSync(manifest) && readFileSync(manifest, "utf8").includes(top)) rmSync(join(npx, entry), { recursive: true, force: true });
  }
});

describe("a fresh clone", () => {
  it("has nothing beside it and no compiled binary", () => {
    expect(existsSync(join(top, "shared"))).toBe(false);
    expect(existsSync(join(clone, "dist/gatebox"))).toBe(false);
  });

  it("runs `npx gatebox version` right after npm ci, from the clone and from a folder inside it", () => {
    for (const cwd of [clone, join(clone, "docs")]) {
      const r = run("npx", ["--offline", "gatebox", "version"], cwd, 60_000);
      expect(r.stderr, cwd).toBe("");
      expect(r.stdout, cwd).toMatch(/^gatebox \d+\.\d+\.\d+ \(bun \d+\.\d+\.\d+\)\n$/);
      expect(r.status, cwd).toBe(0);
    }
  });

  it("runs the public scenarios with what the clone holds", () => {
    const files = readdirSync(join(clone, "scenarios")).filter((f) => f.endsWith(".yaml"));
    const r = run("npx", ["--offline", "gatebox", "simulate", ...files.map((f) => `scenarios/${f}`)], clone, 120_000);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n").filter((l) => l.startsWith("PASS "))).toHaveLength(files.length);
  });

  it("the launcher runs dist/gatebox only while it is newer than every source", () => {
    const launcher = join(clone, "bin/gatebox");
    mkdirSync(join(clone, "dist"), { recursive: true });
    const binary = join(clone, "dist/gatebox");
    // A stand-in for the compiled binary that says which one ran.
    writeFileSync(binary, '#!/bin/sh\necho "compiled $*"\n', { mode: 0o755 });
    const later = new Date(Date.now() + 60_000);
    utimesSync(binary, later, later);
    expect(run(launcher, ["version"], top).stdout).toBe("compiled version\n");
    const source = join(clone, "src/cli/version.ts");
    const evenLater = new Date(Date.now() + 120_000);
    utimesSync(source, evenLater, evenLater);
    expect(run(launcher, ["version"], top).stdout).toMatch(/^gatebox \d+\.\d+\.\d+ \(bun /);
    rmSync(binary);
  });

  it("says what to do when npm ci was not run", () => {
    const bare = join(top, "bare");
    const git = run("git", ["clone", "-q", REPO_ROOT, bare], top);
    expect(git.status).toBe(0);
    const r = run(join(bare, "bin/gatebox"), ["version"], top);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`gatebox: ${bare}/node_modules/.bin/bun not found: run 'npm ci' in ${bare} first\n`);
  });
});
