import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { afterEach } from "vitest";
import { GerritSimulator } from "../support/gerrit/simulator.ts";
import { ensureBinary } from "../support/binary.ts";

/**
 * The whole gate as a user runs it: the compiled binary `dist/gatebox serve` against the Gerrit
 * simulator (real REST, real bare repos over git http-backend) and the real Docker engine.
 */

export const PROJECT = "org/project";
/** The post pipeline's publish job gets this secret (post-review); check and gate jobs never do. */
export const PUBLISH_TOKEN = "publish-s3cret-7f3a";

/** The job every change runs: fails when BROKEN is in the tested tree, else sleeps and passes. */
export function defaultJob(jobSeconds: number): string {
  return [
    `cd /work/${PROJECT}`,
    "ls",
    'if [ -f BROKEN ]; then echo "tests fail: BROKEN is present"; exit 1; fi',
    `sleep ${jobSeconds}`,
    'echo "all tests passed"',
  ].join("\n");
}

/** Variations of the e2e config: Gerrit's REST timeout (default 30s). */
export interface ConfigOptions {
  gerritTimeout?: string;
  /** More projects, each sharing one gate queue ("integrated") with PROJECT. */
  moreProjects?: string[];
  /** The jobs' image (default the busybox test image). */
  image?: string;
  /** Files every project starts with, besides README.md. */
  files?: Record<string, string>;
}

export function gateConfig(sim: GerritSimulator, dataDir: string, port: number, job: string, opts: ConfigOptions = {}): string {
  return `
data-dir: ${dataDir}
connections:
  gerrit:
    url: ${sim.url}
    user: ${sim.ci.username}
    password: {env: GATEBOX_GERRIT_PASSWORD}
    poll-interval: 1s
    full-sweep-interval: 30s
    timeout: ${opts.gerritTimeout ?? "30s"}
secrets:
  PUBLISH_TOKEN: {env: GATEBOX_TEST_PUBLISH_TOKEN}
web:
  listen: 127.0.0.1:${port}
  console-listen: false
executors:
  - name: docker
    type: docker
    capacity: 6
pipelines:
  - name: check
    manager: independent
    trigger:
      gerrit:
        - event: patchset-created
    success: {gerrit: {labels: {Verified: 1}}}
    failure: {gerrit: {labels: {Verified: -1}}}
  - name: gate
    manager: dependent
    trigger:
      gerrit:
        - event: comment-added
          approval: {Workflow: 1}
    require: {gerrit: {approvals: {Code-Review: 2, Workflow: 1}}}
    start: {gerrit: {labels: {Verified: 0}}}
    success: {gerrit: {labels: {Verified: 2}, submit: true}}
    failure: {gerrit: {labels: {Verified: -2}}}
  - name: post
    manager: independent
    post-review: true
    trigger:
      gerrit:
        - event: change-merged
jobs:
  - name: unit
    image: ${opts.image ?? "gatebox-test/busybox:latest"}
    timeout: 2m
    run: |
${job.split("\n").map((l) => `      ${l}`).join("\n")}
  - name: publish
    image: ${opts.image ?? "gatebox-test/busybox:latest"}
    timeout: 1m
    secrets: [PUBLISH_TOKEN]
    run: |
      echo "publishing $(ls | tr '\\n' ' ') with token=$PUBLISH_TOKEN"
projects:
${[PROJECT, ...(opts.moreProjects ?? [])]
  .map((p) => `  - name: ${p}\n    check: {jobs: [unit]}\n    gate: {jobs: [unit]${opts.moreProjects ? ", queue: integrated" : ""}}\n    post: {jobs: [publish]}`)
  .join("\n")}
`;
}

export async function freePort(): Promise<number> {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = s.port as number;
  await s.stop(true);
  return port;
}

export interface Running {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function startGatebox(configPath: string, password: string, cwd: string): Running {
  const proc = spawn(ensureBinary(), ["serve", "--config", configPath], {
    cwd,
    env: { ...process.env, GATEBOX_GERRIT_PASSWORD: password, GATEBOX_TEST_PUBLISH_TOKEN: PUBLISH_TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout?.on("data", (d) => {
    out += String(d);
  });
  proc.stderr?.on("data", (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs: number, log?: () => string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log ? `\n--- gatebox output ---\n${log().slice(-6000)}` : ""}`);
    await Bun.sleep(200);
  }
}

export interface Workspace {
  dir: string;
  dataDir: string;
  configPath: string;
  port: number;
  sim: GerritSimulator;
  cleanup(): Promise<void>;
}

/** `job`: the job's script (by default one that sleeps `jobSeconds`; longer to catch the gate mid-run). */
export async function setUp(jobSeconds = 1, job = defaultJob(jobSeconds), opts: ConfigOptions = {}): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), "gatebox-e2e-"));
  const sim = await GerritSimulator.start();
  for (const p of [PROJECT, ...(opts.moreProjects ?? [])]) await sim.createProject(p, { files: { "README.md": "# project\n", ...opts.files } });
  const port = await freePort();
  const dataDir = join(dir, "data");
  const configPath = join(dir, "gatebox.yaml");
  writeFileSync(configPath, gateConfig(sim, dataDir, port, job, opts));
  return {
    dir,
    dataDir,
    configPath,
    port,
    sim,
    async cleanup() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function gateItems(port: number): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${port}/api/status`).catch(() => null);
  if (!res?.ok) return [];
  const status = (await res.json()) as { pipelines: { name: string; queues: { items: { change: { id: string } }[] }[] }[] };
  return status.pipelines.find((p) => p.name === "gate")?.queues.flatMap((q) => q.items.map((i) => i.change.id)) ?? [];
}

/** The tree of the last speculative state the gate built for a change (from the store). */
export function testedTree(dataDir: string, change: number): string | undefined {
  const db = new Database(join(dataDir, "gatebox.sqlite"), { readonly: true });
  try {
    const rows = db
      .query<{ commits: string | null }, [number]>(
        `SELECT b.commits FROM buildsets b JOIN queue_items q ON q.id = b.item_id
         WHERE q.pipeline = 'gate' AND q.change_number = ? AND b.commits IS NOT NULL ORDER BY CAST(b.id AS INTEGER) DESC LIMIT 1`,
      )
      .all(change);
    const commits = rows[0]?.commits ? (JSON.parse(rows[0].commits) as Record<string, { tree: string }>) : undefined;
    return commits?.[PROJECT]?.tree;
  } finally {
    db.close();
  }
}

export async function uploadFive(w: Workspace): Promise<number[]> {
  const numbers: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const files: Record<string, string> = { [`feature-${i}.txt`]: `feature ${i}\n` };
    if (i === 3) files.BROKEN = "this change breaks the tests\n";
    numbers.push(await w.sim.uploadChange(PROJECT, { files, message: `Add feature ${i}\n` }));
  }
  return numbers;
}

/** Approve in order, each once gatebox has taken the previous one into the gate. */
export async function approveInOrder(w: Workspace, numbers: number[], r: () => Running): Promise<void> {
  for (const n of numbers) {
    await w.sim.approve(n, "Code-Review", 2, "bob");
    await w.sim.approve(n, "Workflow", 1, "bob");
    await until(`change ${n} in the gate`, async () => {
      const items = await gateItems(w.port);
      return items.includes(String(n)) || w.sim.change(n).status === "MERGED" || reviewsOf(w, n).some((v) => v.labels.Verified === -2);
    }, 60_000, () => r().output());
  }
}

export function reviewsOf(w: Workspace, n: number) {
  return w.sim.reviews.filter((v) => v.change === n && v.account === w.sim.ci.username);
}


/** How many submits the driver checked afterwards (the branch's tree is the tree tested). */
export function treesVerified(dataDir: string): string[] {
  const db = new Database(join(dataDir, "gatebox.sqlite"), { readonly: true });
  try {
    return db
      .query<{ payload: string }, []>(`SELECT payload FROM events WHERE kind = 'tree-verified' ORDER BY seq`)
      .all()
      .map((r) => (JSON.parse(r.payload) as { change: string }).change);
  } finally {
    db.close();
  }
}

/**
 * The lifecycle every e2e test shares: a workspace and the gatebox processes it started, killed
 * and cleaned up after each test. Call once at the top of a test file.
 */
export function perTest(): {
  setUp(...args: Parameters<typeof setUp>): Promise<Workspace>;
  start(w: Workspace): Running;
} {
  let ws: Workspace | null = null;
  let running: Running[] = [];
  afterEach(async () => {
    for (const r of running) r.proc.kill("SIGKILL");
    running = [];
    await ws?.cleanup();
    ws = null;
  });
  return {
    async setUp(...args) {
      ws = await setUp(...args);
      return ws;
    },
    start(w) {
      const r = startGatebox(w.configPath, w.sim.ci.password, w.dir);
      running.push(r);
      return r;
    },
  };
}
