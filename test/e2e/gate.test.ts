import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  approveInOrder,
  gateItems,
  PROJECT,
  reviewsOf,
  perTest,
  testedTree,
  treesVerified,
  until,
  uploadFive,
  type Workspace,
} from "./harness.ts";

const e2e = perTest();

/** `mergedBeforeKill`: changes a killed process merged (it may have died before checking their trees). */
async function expectFinalOutcome(w: Workspace, numbers: number[], gateboxOut: () => string, mergedBeforeKill: number[] = []): Promise<void> {
  const [c1, c2, c3, c4, c5] = numbers as [number, number, number, number, number];
  const out = () => `${gateboxOut()}\n--- simulator errors ---\n${w.sim.errors.map((e) => (e as Error)?.stack ?? String(e)).join("\n")}`;
  await until("changes 1, 2, 4, 5 merged and 3 rejected", () =>
    [c1, c2, c4, c5].every((n) => w.sim.change(n).status === "MERGED") && reviewsOf(w, c3).some((v) => v.labels.Verified === -2),
  180_000, out);
  // Merged once each, in queue order.
  expect(w.sim.merges.map((m) => m.change)).toEqual([c1, c2, c4, c5]);
  for (const n of [c1, c2, c4, c5]) {
    const gateVote = reviewsOf(w, n).find((v) => v.labels.Verified === 2);
    expect(gateVote, `Verified +2 on ${n}`).toBeDefined();
    expect(gateVote?.message).toMatch(/Build succeeded \(gate pipeline\)/);
    expect(gateVote?.message).toMatch(/- unit .*: SUCCESS in/);
  }
  expect(w.sim.change(c3).status).toBe("NEW");
  const failure = reviewsOf(w, c3).find((v) => v.labels.Verified === -2);
  expect(failure?.message).toMatch(/Build failed \(gate pipeline\)/);
  expect(failure?.message).toMatch(/- unit .*: FAILURE/);
  // Check voted on every patchset: +1, and -1 for the broken one.
  for (const n of numbers) {
    const want = n === c3 ? -1 : 1;
    expect(reviewsOf(w, n).some((v) => v.labels.Verified === want && v.patchset === 1), `check vote ${want} on ${n}`).toBe(true);
  }
  // The branch's final tree is the tree gatebox tested for change 5.
  const repo = w.sim.state.project(PROJECT).dir;
  const tree = spawnSync("git", ["-C", repo, "rev-parse", "refs/heads/main^{tree}"], { encoding: "utf8" }).stdout.trim();
  expect(tree).toBe(testedTree(w.dataDir, c5));
  expect(out()).not.toMatch(/TREE MISMATCH/);
  // And gatebox checked that itself after each submit.
  const mustVerify = [c1, c2, c4, c5].filter((n) => !mergedBeforeKill.includes(n));
  await until("trees verified", () => mustVerify.every((n) => treesVerified(w.dataDir).includes(String(n))), 20_000, out);
}

describe("the gate end to end (compiled binary, Gerrit simulator, Docker)", () => {
  it("merges 1, 2, 4, 5 in order and rejects the change that breaks the tests", async () => {
    const w = await e2e.setUp();
    const r = e2e.start(w);
    await until("gatebox listening", () => r.output().includes("listening on"), 20_000, r.output);
    const started = Date.now();
    const lap = (() => {
      let last = started;
      return () => {
        const now = Date.now();
        const s = ((now - last) / 1000).toFixed(1);
        last = now;
        return s;
      };
    })();
    const numbers = await uploadFive(w);
    const upload = lap();
    await until("check votes on all five", () => numbers.every((n) => reviewsOf(w, n).some((v) => v.labels.Verified !== undefined)), 90_000, r.output);
    const check = lap();
    await approveInOrder(w, numbers, () => r);
    const approve = lap();
    await expectFinalOutcome(w, numbers, r.output);
    const gate = lap();
    console.log(
      `e2e: 5-change run took ${((Date.now() - started) / 1000).toFixed(1)} s: upload ${upload} s, check votes ${check} s, ` +
        `approvals entering the gate one by one ${approve} s, gate to the last merge ${gate} s`,
    );
    // The history knows the change, its patchset and its builds.
    const c3 = await (await fetch(`http://127.0.0.1:${w.port}/api/changes/${numbers[2]}`)).json();
    expect(JSON.stringify(c3)).toContain("Add feature 3");
    expect(JSON.stringify(c3)).toContain("FAILURE");
    r.proc.kill("SIGTERM");
    expect(await r.exited).toBe(0);
  }, 300_000);

  it("recovers from SIGKILL in the middle of the run: same outcome, nothing merged twice", async () => {
    const w = await e2e.setUp(6);
    let r = e2e.start(w);
    await until("gatebox listening", () => r.output().includes("listening on"), 20_000, r.output);
    const numbers = await uploadFive(w);
    await until("check votes on all five", () => numbers.every((n) => reviewsOf(w, n).some((v) => v.labels.Verified !== undefined)), 90_000, r.output);
    await approveInOrder(w, numbers, () => r);
    // Kill it while the gate is busy: builds running, nothing (or not everything) merged yet.
    await until("gate builds running", async () => (await gateItems(w.port)).length >= 3, 30_000, r.output);
    r.proc.kill("SIGKILL");
    await r.exited;
    const before = w.sim.merges.length;
    const mergedBeforeKill = w.sim.merges.map((m) => m.change);
    r = e2e.start(w);
    await until("gatebox listening again", () => r.output().includes("listening on"), 20_000, r.output);
    await expectFinalOutcome(w, numbers, r.output, mergedBeforeKill);
    expect(before).toBeLessThan(4);
    r.proc.kill("SIGTERM");
    expect(await r.exited).toBe(0);
  }, 300_000);
});
