import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { afterEach, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../support/browser.ts";
import { approveInOrder, PROJECT, perTest, reviewsOf, treesVerified, until, type Workspace } from "./harness.ts";

// The adaptive strategy (docs/strategy.md) through the real gate: the compiled binary, the Gerrit
// simulator, real git and Docker. Gate builds sleep long enough for the next approvals to arrive.
const GATE_SECONDS = 8;
// The sleep comes first, so a broken change fails late: the changes behind it are in by then.
const JOB = [
  `cd /work/${PROJECT}`,
  `if [ "$GATEBOX_PIPELINE" = gate ]; then sleep ${GATE_SECONDS}; fi`,
  'if [ -f BROKEN ]; then echo "tests fail: BROKEN is present"; exit 1; fi',
  'echo "all tests passed"',
].join("\n");

const e2e = perTest();
let browser: TestBrowser | null = null;
afterEach(async () => {
  await browser?.close();
  browser = null;
});

/** The e2e config with `strategy: adaptive` on the gate and `capacity` executor slots. */
function adaptive(w: Workspace, capacity: number): void {
  const text = readFileSync(w.configPath, "utf8")
    .replace("capacity: 6", `capacity: ${capacity}`)
    .replace("  - name: gate\n    manager: dependent\n", "  - name: gate\n    manager: dependent\n    strategy: adaptive\n");
  expect(text).toContain("strategy: adaptive");
  writeFileSync(w.configPath, text);
}

interface GateRow {
  change: number;
  buildset: string;
  result: string | null;
  state: string;
  created: number;
  finished: number | null;
}

/** Every gate buildset, with its item's change and the change ids of its state. */
function gateBuildsets(w: Workspace): GateRow[] {
  const db = new Database(join(w.dataDir, "gatebox.sqlite"), { readonly: true });
  try {
    return db
      .query<GateRow, []>(
        `SELECT q.change_number AS change, b.id AS buildset, b.result AS result, b.state AS state,
         b.created_at AS created, b.finished_at AS finished
         FROM buildsets b JOIN queue_items q ON q.id = b.item_id WHERE b.pipeline = 'gate' ORDER BY CAST(b.id AS INTEGER)`,
      )
      .all()
      .map((r) => ({ ...r, state: (JSON.parse(r.state) as { id: string }[]).map((c) => c.id).join(",") }));
  } finally {
    db.close();
  }
}

function gateBuilds(w: Workspace): { buildset: string; result: string | null }[] {
  const db = new Database(join(w.dataDir, "gatebox.sqlite"), { readonly: true });
  try {
    return db.query<{ buildset: string; result: string | null }, []>(`SELECT buildset_id AS buildset, result FROM builds WHERE pipeline = 'gate'`).all();
  } finally {
    db.close();
  }
}

function branchTree(w: Workspace): string {
  const repo = w.sim.state.project(PROJECT).dir;
  return spawnSync("git", ["-C", repo, "rev-parse", "refs/heads/main^{tree}"], { encoding: "utf8" }).stdout.trim();
}

async function upload(w: Workspace, names: string[], broken = ""): Promise<number[]> {
  const numbers: number[] = [];
  for (const name of names) {
    const files: Record<string, string> = { [`${name}.txt`]: `${name}\n` };
    if (name === broken) files.BROKEN = "this change breaks the tests\n";
    numbers.push(await w.sim.uploadChange(PROJECT, { files, message: `Add ${name}\n` }));
  }
  return numbers;
}

it("one executor: three approved changes are tested in one batch and merged together, in order", async () => {
  const w = await e2e.setUp(1, JOB);
  adaptive(w, 1);
  const r = e2e.start(w);
  await until("gatebox listening", () => r.output().includes("listening on"), 20_000, r.output);
  const numbers = await upload(w, ["a", "b", "c", "d"]);
  const [a, b, c, d] = numbers as [number, number, number, number];
  await until("check votes on all four", () => numbers.every((n) => reviewsOf(w, n).some((v) => v.labels.Verified === 1)), 120_000, r.output);
  // A is alone in the gate and takes the one executor; B, C and D arrive while it runs.
  await approveInOrder(w, numbers, () => r);
  // While A runs, the status page says why B, C and D wait as one batch (headless Chromium).
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${w.port}/`);
  const line = page.locator('[data-pipeline="gate"] .strategy');
  await expect.poll(() => line.first().textContent().catch(() => ""), { timeout: 30_000 }).toMatch(/^adaptive: batch of 3 — .+/);
  expect(await line.first().getAttribute("data-mode")).toBe("batch");
  await until("all four merged", () => numbers.every((n) => w.sim.change(n).status === "MERGED"), 120_000, r.output);
  expect(w.sim.merges.map((m) => m.change)).toEqual(numbers);

  const sets = gateBuildsets(w);
  // The batch: D's state, tested on A (still in the queue then) with B and C riding in it.
  const batch = sets.find((s) => s.state === [a, b, c, d].join(","));
  expect(batch, JSON.stringify(sets)).toBeDefined();
  expect(batch?.change).toBe(d);
  expect(batch?.result).toBe("SUCCESS");
  // B and C ride in D's state: no merge (buildset) of their own, nothing reset.
  expect(sets.filter((s) => s.change === b || s.change === c)).toEqual([]);
  expect(sets.map((s) => s.result)).not.toContain("RESET");
  // Two gate builds in all: A's, and the batch's.
  const builds = gateBuilds(w);
  expect(builds.map((x) => x.result)).toEqual(["SUCCESS", "SUCCESS"]);
  expect(builds.filter((x) => x.buildset === batch?.buildset)).toHaveLength(1);

  for (const n of [b, c]) {
    const vote = reviewsOf(w, n).find((v) => v.labels.Verified === 2);
    expect(vote?.message, `Verified +2 on ${n}`).toMatch(/Build succeeded \(gate pipeline\)/);
    expect(vote?.message).toContain(`Tested together with change ${d}: on the state ${a}, ${b}, ${c}, ${d}`);
    expect(vote?.message).toMatch(/- unit .*: SUCCESS in/);
  }
  expect(reviewsOf(w, d).find((v) => v.labels.Verified === 2)?.message).not.toContain("Tested together");
  // The branch ends on the batch's tree, and gatebox checked that after the group's last submit.
  await until("trees verified", () => [a, d].every((n) => treesVerified(w.dataDir).includes(String(n))), 20_000, r.output);
  expect(treesVerified(w.dataDir)).not.toContain(String(b));
  expect(r.output()).not.toMatch(/TREE MISMATCH/);
  const repoTree = branchTree(w);
  const db = new Database(join(w.dataDir, "gatebox.sqlite"), { readonly: true });
  const commits = db.query<{ commits: string }, [string]>("SELECT commits FROM buildsets WHERE id = ?").get(batch?.buildset ?? "");
  db.close();
  expect((JSON.parse(commits?.commits ?? "{}") as Record<string, { tree: string }>)[PROJECT]?.tree).toBe(repoTree);
  r.proc.kill("SIGTERM");
  expect(await r.exited).toBe(0);
}, 300_000);

it("a change whose check failed is presumed bad: the changes behind it are tested without it and land without a retest", async () => {
  const w = await e2e.setUp(1, JOB);
  adaptive(w, 4);
  const r = e2e.start(w);
  await until("gatebox listening", () => r.output().includes("listening on"), 20_000, r.output);
  const numbers = await upload(w, ["x", "y", "z"], "x");
  const [x, y, z] = numbers as [number, number, number];
  await until("check votes on all three", () => numbers.every((n) => reviewsOf(w, n).some((v) => v.labels.Verified !== undefined)), 120_000, r.output);
  expect(reviewsOf(w, x).some((v) => v.labels.Verified === -1)).toBe(true);
  await approveInOrder(w, numbers, () => r);
  await until("y, z merged and x rejected", () =>
    [y, z].every((n) => w.sim.change(n).status === "MERGED") && reviewsOf(w, x).some((v) => v.labels.Verified === -2),
  120_000, r.output);
  expect(w.sim.merges.map((m) => m.change)).toEqual([y, z]);
  expect(reviewsOf(w, x).find((v) => v.labels.Verified === -2)?.message).toMatch(/- unit .*: FAILURE/);

  const sets = gateBuildsets(w);
  const builds = gateBuilds(w);
  const seen = JSON.stringify({ sets, builds });
  // X on its own state; Y and Z on states without X, all made before X failed: none made after.
  const xs = sets.filter((s) => s.change === x);
  expect(xs.map((s) => s.state), seen).toEqual([String(x)]);
  expect(xs[0]?.result).toBe("FAILURE");
  for (const s of sets.filter((s) => s.change !== x)) {
    expect(s.state.split(","), seen).not.toContain(String(x));
    expect(s.created, seen).toBeLessThanOrEqual(xs[0]?.finished ?? 0);
  }
  // Nothing was reset: Y and Z landed on the results they already had; one build per state.
  expect(sets.map((s) => s.result), seen).not.toContain("RESET");
  expect(sets.filter((s) => s.change === y || s.change === z).some((s) => s.result === "SUCCESS" && s.state === [y, z].join(","))).toBe(true);
  expect(builds.length, seen).toBe(sets.length);
  for (const b of builds) {
    const set = sets.find((s) => s.buildset === b.buildset);
    // A spare hedge (a state without one of the changes ahead) is cancelled once its item lands.
    expect(b.result, seen).toBe(set?.result === "DEQUEUED" ? "ABORTED" : set?.result);
  }
  expect(r.output()).not.toMatch(/TREE MISMATCH/);
  await until("tree verified", () => treesVerified(w.dataDir).includes(String(z)), 20_000, r.output);
  r.proc.kill("SIGTERM");
  expect(await r.exited).toBe(0);
}, 300_000);
