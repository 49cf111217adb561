/**
 * Enqueue → the first byte of a build's output, as a watcher of the TCP console sees it, through
 * the real path: the driver (real store and scheduler) takes the enqueue, the GitMerger merges
 * with real git, the workspace is checked out, the DockerRunner starts the container (the
 * workspace bind-mounted on a local engine), the job's `echo` reaches the console file, the TCP
 * console (src/logs/tcp-console.ts) sends it. Only Gerrit is missing: the change is enqueued by
 * hand (as `gatebox enqueue` does) and the reporter is a no-op.
 *
 * For a 10-file and a 10,000-file repository, interleaved with the floor: `docker run --rm -v
 * <tree>:/work` of the same job on a checkout of the same tree, first byte of its stdout.
 * Prints p50/p90 of each, and where gatebox's time goes (enqueue → start-build: the merge;
 * start-build → first byte: workspace, container, console). Targets (docs/performance.md,
 * "Builds starting"): < 250 ms p50 for 10 files, < 500 ms p50 for 10,000 files.
 *
 * Run: npx bun bench/executor/first-byte.ts   (RUNS=15 by default; needs the engine:
 * bash scripts/ensure-docker.sh). Everything lives under BENCH_DIR (default the OS temp dir, a disk
 * like a data dir; /dev/shm to take the disk out).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { connect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { restoreDriver } from "../../src/driver/restore.ts";
import { DockerRunner } from "../../src/executor/docker/docker-runner.ts";
import { Executor } from "../../src/executor/executor.ts";
import { ExecutorPool } from "../../src/executor/pool.ts";
import { ConsoleHub } from "../../src/logs/console-hub.ts";
import { startTcpConsole } from "../../src/logs/tcp-console.ts";
import { GitMerger } from "../../src/merger/git-merger.ts";
import type { Change } from "../../src/scheduler/types.ts";
import type { Reporter } from "../../src/sources/source.ts";
import { openDatabase } from "../../src/store/db.ts";
import { Journal } from "../../src/store/journal.ts";
import { type FixtureRepo, GitFixtures, git } from "../../test/support/git-fixtures.ts";

const IMAGE = "gatebox-test/busybox:latest";
const RUNS = Number(process.env.RUNS ?? 15);
const MARK = "FIRSTBYTE";
const SIZES = { small: 10, big: 10_000 } as const;
type Size = keyof typeof SIZES;

const benchDir = process.env.BENCH_DIR ?? tmpdir();
const root = await mkdtemp(join(benchDir, "gatebox-first-byte-"));
const fixtures = new GitFixtures();
console.log(`under ${benchDir}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ${RUNS} runs of each, interleaved`);

const config = parseConfig(
  "bench.yaml",
  `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: UNUSED}}}
pipelines:
  - name: check
    manager: independent
    trigger: {gerrit: [{event: patchset-created}]}
jobs: [{name: first-byte, image: ${IMAGE}, run: "echo ${MARK}", attempts: 1}]
projects: [{name: small, check: {jobs: [first-byte]}}, {name: big, check: {jobs: [first-byte]}}]
`,
);

const repos = {} as Record<Size, FixtureRepo>;
const trees = {} as Record<Size, string>;
for (const size of Object.keys(SIZES) as Size[]) {
  const files: Record<string, string> = {};
  for (let i = 0; i < SIZES[size]; i++) files[`src/d${i % 100}/f${i}.txt`] = `file ${i}\n`.repeat(20);
  repos[size] = await fixtures.repo(size, files);
  // The floor's tree: a plain checkout of the same files.
  trees[size] = join(root, "trees", size);
  await git(root, ["clone", "--quiet", repos[size].dir, trees[size]]);
}

const store = openDatabase(join(root, "gatebox.sqlite"));
const consoles = new ConsoleHub(join(root, "logs"));
const merger = new GitMerger({
  cacheDir: join(root, "git"),
  workspaceRoot: join(root, "workspaces"),
  remoteUrl: (project) => repos[project as Size].url,
});
const runner = new DockerRunner({ instance: `bench-${process.pid}`, scratchDir: join(root, "docker-builds") });
await runner.ping();
const pool = new ExecutorPool([new Executor({ name: "docker", runner, consoles, capacity: 2 })]);
const reporter: Reporter = { start: async () => {}, report: async () => null };
const { driver, core } = restoreDriver({ config, journal: new Journal(store.db), merger, executor: pool, reporter, capacity: 2, log: () => {} });
const tcp = await startTcpConsole({ consoles, host: "127.0.0.1", port: 0, exists: () => true });

/** The build id of the next start-build command, when the driver writes it. */
let nextBuild: ((buildId: number) => void) | null = null;
driver.observe((step) => {
  for (const cmd of step.commands) if (cmd.type === "start-build" && nextBuild) nextBuild(cmd.buildId);
});

let changeNumber = 0;
/** Enqueue → first byte seen by a TCP watcher; also when the start-build command came. */
async function gatebox(size: Size): Promise<{ firstByte: number; startBuild: number }> {
  const number = ++changeNumber;
  const { ref, commit } = await repos[size].change(number, { [`change-${number}.txt`]: "new\n" });
  const change: Change = {
    id: String(number), project: size, branch: "main", dependsOn: [],
    meta: { number, patchset: 1, revision: commit, ref, url: "", subject: "bench", owner: "", changeId: `I${number}` },
  };
  const built = new Promise<number>((resolve) => {
    nextBuild = resolve;
  });
  const t0 = performance.now();
  driver.submit({ type: "enqueue", pipeline: "check", change });
  const buildId = await built;
  nextBuild = null;
  const startBuild = performance.now() - t0;
  const firstByte = (await watch(String(buildId), t0)) - t0;
  await emptied();
  await refilled();
  return { firstByte, startBuild };
}

/** Connects to the TCP console for `buildId`; resolves with when MARK arrived, once the build has finished. */
function watch(buildId: string, t0: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(tcp.port, "127.0.0.1", () => socket.write(`${buildId}\n`));
    let text = "";
    let at = 0;
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (at === 0 && text.includes(MARK)) at = performance.now();
    });
    socket.on("error", reject);
    socket.on("close", () => {
      if (at === 0 || !text.includes("build finished: SUCCESS")) reject(new Error(`build ${buildId} (after ${performance.now() - t0} ms): ${text}`));
      else resolve(at);
    });
  });
}

/** Until the item has left the pipeline (its report done), so runs do not overlap. */
async function emptied(): Promise<void> {
  for (;;) {
    await driver.settled();
    if (core.view().pipelines.every((p) => p.queues.every((q) => q.items.length === 0))) return;
    await Bun.sleep(5);
  }
}

/**
 * Until the workspace is gone and the spares of both branches are back (src/merger/spares.ts): a
 * gate whose builds of one branch start further apart than a refill (printed) sees this.
 */
async function refilled(): Promise<void> {
  const t = performance.now();
  const spares = join(root, "workspaces", ".spares");
  for (;;) {
    const builds = (await readdir(join(root, "workspaces"))).filter((e) => !e.startsWith("."));
    const ready = existsSync(spares) ? (await readdir(spares)).length : 0;
    if (builds.length === 0 && ready >= 2 * Math.min(changeNumber, 2)) break;
    if (performance.now() - t > 120_000) throw new Error(`spares not refilled after 120 s (${ready}, builds ${builds})`);
    await Bun.sleep(20);
  }
  refills.push(performance.now() - t);
}
const refills: number[] = [];

/** `docker run --rm -v <tree>:/work` of the same job; spawn → MARK on its stdout. */
async function dockerRun(size: Size): Promise<number> {
  const t0 = performance.now();
  const child = Bun.spawn(["docker", "run", "--rm", "--network", "none", "-v", `${trees[size]}:/work`, "-w", "/work", IMAGE, "sh", "-c", `echo ${MARK}`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  let at = 0;
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk);
    if (at === 0 && text.includes(MARK)) at = performance.now();
  }
  if ((await child.exited) !== 0 || at === 0) throw new Error(`docker run failed: ${await new Response(child.stderr).text()}`);
  return at - t0;
}

const series = { gatebox: { small: [] as number[], big: [] as number[] }, merge: { small: [] as number[], big: [] as number[] }, docker: { small: [] as number[], big: [] as number[] } };
try {
  // Cold: the first merge of each project fills the repo cache (a clone); not what is measured.
  for (const size of Object.keys(SIZES) as Size[]) {
    const cold = await gatebox(size);
    console.log(`cold (clone into the repo cache) ${size}: first byte ${ms(cold.firstByte)}`);
    await dockerRun(size);
  }
  for (let run = 0; run < RUNS; run++) {
    for (const size of Object.keys(SIZES) as Size[]) {
      const g = await gatebox(size);
      series.gatebox[size].push(g.firstByte);
      series.merge[size].push(g.startBuild);
      series.docker[size].push(await dockerRun(size));
    }
  }
  console.log(`after each build, waited for its workspace's removal and the spares' refill: p50 ${ms(pct(refills, 0.5))}, p90 ${ms(pct(refills, 0.9))}`);
  for (const size of Object.keys(SIZES) as Size[]) {
    const label = `${SIZES[size].toLocaleString("en")} files`;
    const g = series.gatebox[size];
    const m = series.merge[size];
    const d = series.docker[size];
    console.log(`${label}: gatebox enqueue → first byte (TCP console) p50 ${ms(pct(g, 0.5))}, p90 ${ms(pct(g, 0.9))}`);
    console.log(`${label}:   of which enqueue → start-build (merge) p50 ${ms(pct(m, 0.5))}; start-build → first byte p50 ${ms(pct(g.map((x, i) => x - m[i]!), 0.5))}`);
    console.log(`${label}: docker run --rm -v <tree>:/work → first byte p50 ${ms(pct(d, 0.5))}, p90 ${ms(pct(d, 0.9))}`);
  }
} finally {
  await driver.stop();
  await tcp.close();
  await merger.close();
  store.close();
  await fixtures.cleanup();
  await rm(root, { recursive: true, force: true });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

function ms(x: number): string {
  return `${x.toFixed(0)} ms`;
}
