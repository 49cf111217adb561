/**
 * Workspace preparation on a realistic repository: 10,000 files, 500 commits, 10 changes ahead.
 * Prints, per strategy, the median time to prepare a workspace from a speculative state, to stream
 * its tar (what a Docker build receives) and to remove it, against a plain `git clone` of the same
 * repository; plus candidates that are not strategies (fetching, shallow, a hardlinked clone, a
 * checkout with no spare ready). Every row takes its turn in every run (baselines included), and
 * every row's prepare excludes deleting; deleting is its own column, for all of them.
 * Run: npx bun bench/merger/workspace.ts; RUNS=7 for more runs, FILES= and COMMITS= for another
 * repository, LOOSE=20000 for a mirror aged by weeks of merging (see LOOSE).
 *
 * Everything (remote, cache, workspaces, clones) lives under BENCH_DIR, by default /dev/shm (tmpfs)
 * when it exists: on this project's build VM the ext4 root disk needs ~7 s to create or delete
 * 10,000 files, which swamps every difference between strategies. BENCH_DIR=/tmp measures the disk.
 */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { GitMerger } from "../../src/merger/git-merger.ts";
import type { ChangeRef, ProjectState, WorkspaceStrategy } from "../../src/merger/types.ts";
import { checkoutInto } from "../../src/merger/checkout.ts";
import { tarDirectory } from "../../src/merger/workspace.ts";
import { git } from "../../test/support/git-fixtures.ts";

const FILES = Number(process.env.FILES ?? 10_000);
const COMMITS = Number(process.env.COMMITS ?? 500);
const CHANGES = 11; // 10 ahead + the item itself
const RUNS = Number(process.env.RUNS ?? 5);
const STRATEGIES: WorkspaceStrategy[] = ["checkout", "archive", "worktree", "clone-shared", "clone-reference"];
const PROJECT = "org/big";
/**
 * Loose objects added to the checkout strategy's mirror before measuring (LOOSE=20000): what
 * weeks of a busy gate leave in a mirror that is never gc'd (every merge writes trees and a commit,
 * every change fetched with fewer than 100 objects is unpacked). 0: a freshly fetched mirror.
 */
const LOOSE = Number(process.env.LOOSE ?? 0);

const benchDir = process.env.BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const root = await mkdtemp(join(benchDir, "gatebox-bench-"));
console.log(`under ${benchDir}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
try {
  const remote = join(root, "remote", `${PROJECT}.git`);
  await mkdir(remote, { recursive: true });
  const t = performance.now();
  await generate(remote);
  console.log(`generated ${FILES} files, ${COMMITS} commits, ${CHANGES} changes in ${ms(performance.now() - t)}`);

  const changes: ChangeRef[] = Array.from({ length: CHANGES }, (_, i) => ({
    project: PROJECT,
    branch: "main",
    number: 1000 + i,
    patchset: 1,
  }));
  const expected = FILES + CHANGES; // every change adds one file

  const results: Result[] = [];
  // The baselines take their turns with the strategies (below), and every row is charged the
  // same: prepare is making the directory, remove is deleting it, measured apart.
  const setups: Setup[] = [
    candidate("git clone <path> (baseline, hardlinks)", (dest) => git(root, ["clone", "--quiet", remote, dest]).then(() => {}), FILES),
    candidate("git clone file:// (baseline)", (dest) => git(root, ["clone", "--quiet", `file://${remote}`, dest]).then(() => {}), FILES),
  ];
  for (const strategy of STRATEGIES) setups.push(await strategySetup(remote, changes, strategy));
  // The same strategy once the hourly gc has maintained the mirror (packed, with a bitmap).
  const maintained = await strategySetup(remote, changes, "checkout", "checkout, mirror after gc");
  setups.push(maintained);
  const mirror = join(root, "cache-checkout", `${PROJECT}.git`);
  const state = setups.find((s) => s.name === "workspace: checkout")!.state;
  if (LOOSE > 0) {
    await age(mirror, LOOSE);
    await age(join(root, "cache-checkout, mirror after gc", `${PROJECT}.git`), LOOSE);
  }
  const t2 = performance.now();
  await maintained.maintain();
  console.log(`gc of the maintained mirror (packing ${LOOSE} loose objects, the bitmap): ${ms(performance.now() - t2)}`);
  // What the checkout strategy does when no spare is ready (the first build of a branch).
  setups.push(candidate("checkout afresh (no spare)", (dest) => checkoutInto(mirror, state, dest)));
  setups.push(candidate("init + fetch <commit> + read-tree", (dest) => fetchInto(mirror, state.commit, dest, [])));
  setups.push(candidate("the same, fetch --depth=1", (dest) => fetchInto(mirror, state.commit, dest, ["--depth=1"])));
  setups.push(candidate("clone (hardlinks) + checkout -B", (dest) => cloneLocal(mirror, state.commit, dest)));
  // Strategies take turns within each run, so drifting load from other work hits them alike.
  for (let run = 0; run < RUNS; run++) {
    for (const setup of setups) await measureOnce(setup, run, expected);
  }
  for (const setup of setups) {
    console.log(`${setup.name}: prepare ${setup.prepare.map(ms).join(", ")}; tar ${setup.tar.map(ms).join(", ")}`);
    results.push({ name: setup.name, prepare: mid(setup.prepare), tar: mid(setup.tar), tarBytes: setup.tarBytes, remove: mid(setup.remove) });
    await setup.close();
  }
  report(results);
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

interface Result {
  name: string;
  prepare: number;
  tar?: number;
  tarBytes?: number;
  remove?: number;
}

/** One way of making a workspace: a merger's strategy, or a candidate that is not one (yet). */
interface Setup {
  name: string;
  state: ProjectState;
  /** Files the directory must hold, when not every change's (a baseline clones the branch). */
  files?: number | undefined;
  /** What the server's hourly gc does to the mirror (no state is old enough to go). */
  maintain(): Promise<unknown>;
  make(run: number): Promise<{ projectDir: string; tar(): Readable; remove(): Promise<void> }>;
  close(): Promise<void>;
  prepare: number[];
  tar: number[];
  tarBytes: number;
  remove: number[];
}

/** A GitMerger with its own cache using `strategy`; merges the changes (cold, then warm). */
async function strategySetup(remote: string, changes: ChangeRef[], strategy: WorkspaceStrategy, name: string = strategy): Promise<Setup> {
  const merger = new GitMerger({
    cacheDir: join(root, `cache-${name}`),
    workspaceRoot: join(root, `ws-${name}`),
    remoteUrl: () => remote,
    workspaceStrategy: strategy,
  });
  let t = performance.now();
  const state = await merger.merge({ changes });
  const cold = performance.now() - t;
  t = performance.now();
  await merger.merge({ changes });
  const warm = performance.now() - t;
  console.log(`${name}: merge of ${CHANGES} changes, cold cache ${ms(cold)} (with the initial fetch), warm ${ms(warm)}`);
  return {
    name: `workspace: ${name}`,
    maintain: () => merger.gc(Number.MAX_SAFE_INTEGER),
    state: state[PROJECT]!,
    async make(run) {
      const ws = await merger.prepareWorkspace(state, `run-${run}`);
      return { projectDir: ws.projects[PROJECT]!, tar: () => merger.workspaceTar(ws), remove: () => merger.removeWorkspace(ws) };
    },
    close: () => merger.close(),
    prepare: [],
    tar: [],
    tarBytes: 0,
    remove: [],
  };
}

/** A way of making a project directory from the checkout strategy's mirror, outside the merger. */
function candidate(name: string, make: (dest: string) => Promise<void>, files?: number): Setup {
  return {
    name: name.includes("baseline") ? name : `candidate: ${name}`,
    files,
    state: { branch: "main", commit: "", tree: "" },
    maintain: async () => {},
    async make(run) {
      const dir = join(root, `candidate-${Math.random().toString(36).slice(2)}-${run}`);
      const dest = join(dir, PROJECT);
      await mkdir(join(dir, "org"), { recursive: true });
      await make(dest);
      return { projectDir: dest, tar: () => tarDirectory(dir, { includeGit: true }), remove: () => rm(dir, { recursive: true, force: true }) };
    },
    close: async () => {},
    prepare: [],
    tar: [],
    tarBytes: 0,
    remove: [],
  };
}

async function measureOnce(setup: Setup, run: number, expected: number): Promise<void> {
  let t = performance.now();
  const ws = await setup.make(run);
  setup.prepare.push(performance.now() - t);
  const files = await countFiles(ws.projectDir);
  if (files !== (setup.files ?? expected)) throw new Error(`${setup.name}: ${files} files in the workspace, expected ${expected}`);
  t = performance.now();
  let bytes = 0;
  for await (const chunk of ws.tar()) bytes += (chunk as Buffer).length;
  setup.tar.push(performance.now() - t);
  setup.tarBytes = bytes;
  t = performance.now();
  await ws.remove();
  setup.remove.push(performance.now() - t);
}

/** `git init`, `git fetch <mirror> <commit>` (pack negotiated, index-pack, connectivity walk), `read-tree -u`. */
async function fetchInto(mirror: string, commit: string, dest: string, extra: string[]): Promise<void> {
  await git(root, ["init", "--quiet", "--initial-branch=main", dest]);
  await git(dest, ["fetch", "--quiet", "--no-write-fetch-head", "--update-head-ok", ...extra, mirror, `+${commit}:refs/heads/main`]);
  await git(dest, ["read-tree", "--reset", "-u", "HEAD"]);
}

/** Adds `count` unreachable loose blobs to a mirror (a pack of them, unpacked). */
async function age(mirror: string, count: number): Promise<void> {
  const scratch = join(root, "aging.git");
  await git(root, ["init", "--quiet", "--bare", scratch]);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const content = `speculative object ${i} ${"y".repeat(100)}\n`;
    lines.push("blob", `data ${Buffer.byteLength(content)}`, content);
  }
  lines.push("");
  await git(scratch, ["fast-import", "--quiet"], lines.join("\n"));
  const pack = (await readdir(join(scratch, "objects", "pack"))).find((name) => name.endsWith(".pack"))!;
  const data = await Bun.file(join(scratch, "objects", "pack", pack)).arrayBuffer();
  const child = Bun.spawn(["git", "unpack-objects", "-q"], { cwd: mirror, stdin: new Uint8Array(data), env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_GLOBAL: "/dev/null" } });
  if ((await child.exited) !== 0) throw new Error("unpack-objects failed");
  console.log(`aged the checkout mirror with ${count} loose objects`);
}

/** `git clone` from the mirror (objects hardlinked), then the commit checked out on a branch. */
async function cloneLocal(mirror: string, commit: string, dest: string): Promise<void> {
  await git(root, ["clone", "--quiet", "--no-checkout", mirror, dest]);
  await git(dest, ["checkout", "--quiet", "-B", "main", commit]);
  await git(dest, ["remote", "remove", "origin"]);
}

function report(results: Result[]): void {
  const baseline = results[0]!.prepare;
  console.log("(workspace: checkout takes a spare made when the previous workspace was removed: its remove includes that refill)");
  console.log(`\nmedian of ${RUNS} runs, interleaved (target: prepare < 1000 ms); tar: the workspace's tar stream (.git included when self-contained)`);
  for (const r of results) {
    const tar = r.tar === undefined ? "" : `   tar ${ms(r.tar).padStart(7)} ${(r.tarBytes! / 1e6).toFixed(1).padStart(5)} MB`;
    const remove = r.remove === undefined ? "" : `   remove ${ms(r.remove)}`;
    console.log(`${r.name.padEnd(44)} ${ms(r.prepare).padStart(9)}   ${(r.prepare / baseline).toFixed(2)}x clone${tar}${remove}`);
  }
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
