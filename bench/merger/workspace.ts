/**
 * Workspace preparation on a realistic repository: 10,000 files, 500 commits, 10 changes ahead.
 * Prints, per strategy, the median time to prepare (and remove) a workspace from a speculative
 * state, against a plain `git clone` of the same repository. Run: npx bun bench/merger/workspace.ts
 *
 * Everything (remote, cache, workspaces, clones) lives under BENCH_DIR, by default /dev/shm (tmpfs)
 * when it exists: on this project's build VM the ext4 root disk needs ~7 s to create or delete
 * 10,000 files, which swamps every difference between strategies. BENCH_DIR=/tmp measures the disk.
 */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { GitMerger } from "../../src/merger/git-merger.ts";
import type { ChangeRef, WorkspaceStrategy } from "../../src/merger/types.ts";
import { git } from "../../test/support/git-fixtures.ts";

const FILES = 10_000;
const COMMITS = 500;
const CHANGES = 11; // 10 ahead + the item itself
const RUNS = Number(process.env.RUNS ?? 5);
const PROJECT = "org/big";

const benchDir = process.env.BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const root = await mkdtemp(join(benchDir, "gatebox-bench-"));
console.log(`under ${benchDir}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
try {
  const remote = join(root, "remote", `${PROJECT}.git`);
  await mkdir(remote, { recursive: true });
  let t = performance.now();
  await generate(remote);
  console.log(`generated ${FILES} files, ${COMMITS} commits, ${CHANGES} changes in ${ms(performance.now() - t)}`);

  const changes: ChangeRef[] = Array.from({ length: CHANGES }, (_, i) => ({
    project: PROJECT,
    branch: "main",
    number: 1000 + i,
    patchset: 1,
  }));
  const expected = FILES + CHANGES; // every change adds one file

  const results: { name: string; median: number; remove?: number }[] = [];
  results.push({ name: "git clone (baseline)", median: await median(() => plainClone(remote)) });
  console.log(`git clone: ${ms(results[0]!.median)}`);
  results.push({ name: "git clone file:// (no hardlinks)", median: await median(() => plainClone(`file://${remote}`)) });

  // Strategies take turns within each run, so drifting load from other work hits them alike.
  const strategies: WorkspaceStrategy[] = ["archive", "worktree", "clone-shared", "clone-reference"];
  const setups = [];
  for (const strategy of strategies) {
    const merger = new GitMerger({
      cacheDir: join(root, `cache-${strategy}`),
      workspaceRoot: join(root, `ws-${strategy}`),
      remoteUrl: () => remote,
      workspaceStrategy: strategy,
    });
    t = performance.now();
    const state = await merger.merge({ changes });
    const coldMerge = performance.now() - t;
    t = performance.now();
    await merger.merge({ changes });
    const warmMerge = performance.now() - t;
    console.log(`${strategy}: merge of ${CHANGES} changes, cold cache ${ms(coldMerge)} (with the initial fetch), warm ${ms(warmMerge)}`);
    setups.push({ strategy, merger, state, prepare: [] as number[], remove: [] as number[] });
  }
  for (let run = 0; run < RUNS; run++) {
    for (const setup of setups) {
      t = performance.now();
      const ws = await setup.merger.prepareWorkspace(setup.state, `run-${run}`);
      setup.prepare.push(performance.now() - t);
      const files = await countFiles(ws.projects[PROJECT]!);
      if (files !== expected) throw new Error(`${setup.strategy}: ${files} files in the workspace, expected ${expected}`);
      t = performance.now();
      await setup.merger.removeWorkspace(ws);
      setup.remove.push(performance.now() - t);
    }
  }
  for (const setup of setups) {
    console.log(`${setup.strategy}: prepare ${setup.prepare.map(ms).join(", ")}`);
    results.push({ name: `workspace: ${setup.strategy}`, median: mid(setup.prepare), remove: mid(setup.remove) });
    await setup.merger.close();
  }

  const baseline = results[0]!.median;
  console.log(`\nmedian of ${RUNS} runs (target: prepare < 1000 ms)`);
  for (const r of results) {
    const extra = r.remove === undefined ? "" : `   remove ${ms(r.remove)}`;
    console.log(`${r.name.padEnd(36)} ${ms(r.median).padStart(9)}   ${(r.median / baseline).toFixed(2)}x clone${extra}`);
  }
  const fastest = results.filter((r) => r.name.startsWith("workspace")).sort((a, b) => a.median - b.median)[0]!;
  console.log(`fastest: ${fastest.name} (${(fastest.median / baseline).toFixed(2)}x a plain clone)`);
} finally {
  await rm(root, { recursive: true, force: true });
}

async function generate(dir: string): Promise<void> {
  await git(dir, ["init", "--quiet", "--bare", "--initial-branch=main"]);
  const out: string[] = [];
  const path = (i: number) => `d${String(Math.floor(i / 100)).padStart(3, "0")}/f${String(i).padStart(5, "0")}.txt`;
  let time = 1_700_000_000;
  const commit = (ref: string, mark: number, from: number | null, message: string, files: [string, string][]) => {
    out.push(`commit ${ref}`, `mark :${mark}`, `committer Bench <bench@example.org> ${time++} +0000`);
    out.push(`data ${Buffer.byteLength(message)}`, message);
    if (from !== null) out.push(`from :${from}`);
    for (const [p, content] of files) out.push(`M 100644 inline ${p}`, `data ${Buffer.byteLength(content)}`, content);
  };
  const initial: [string, string][] = [];
  for (let i = 0; i < FILES; i++) initial.push([path(i), `file ${i}\n${"x".repeat(200)}\n`]);
  commit("refs/heads/main", 1, null, "initial", initial);
  for (let c = 2; c <= COMMITS; c++) {
    const files: [string, string][] = [];
    for (let k = 0; k < 20; k++) files.push([path((c * 37 + k * 491) % FILES), `file edited in commit ${c}\n`]);
    commit("refs/heads/main", c, c - 1, `commit ${c}`, files);
  }
  for (let i = 0; i < CHANGES; i++) {
    const number = 1000 + i;
    const ref = `refs/changes/${String(number % 100).padStart(2, "0")}/${number}/1`;
    commit(ref, COMMITS + 1 + i, COMMITS, `change ${number}`, [[`changes/c${i}.txt`, `change ${number}\n`]]);
  }
  out.push("");
  await git(dir, ["fast-import", "--quiet"], out.join("\n"));
}

async function plainClone(url: string): Promise<void> {
  const dest = join(root, `clone-${Math.random().toString(36).slice(2)}`);
  await git(root, ["clone", "--quiet", url, dest]);
  await rm(dest, { recursive: true, force: true });
}

async function median(fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return mid(times);
}

function mid(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && !join(e.parentPath, e.name).includes("/.git")).length;
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}
