import { expect, it } from "vitest";
import type { RunningServer } from "../../../src/server/server.ts";
import type { ChangeJson } from "../../../src/web/change-view.ts";
import { gateOnlyConfig, serverPerTest } from "./support.ts";

/**
 * GET /api/changes/N through a real server against the Gerrit simulator: the reasons a change is in
 * no queue come from Gerrit's answer (votes, WIP, status) and the store's history; Gerrit down
 * leaves the store's part and says so.
 */
const env = serverPerTest("change-page");

const GATE_ONLY = gateOnlyConfig("true");

async function change(server: RunningServer, n: number | string): Promise<{ status: number; body: ChangeJson & { error?: string } }> {
  const res = await fetch(`${server.url}/api/changes/${n}`);
  return { status: res.status, body: (await res.json()) as ChangeJson & { error?: string } };
}

async function until<T>(what: string, fn: () => Promise<T | null | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

it("says why a change is in no queue: a lacking approval, work in progress, merged by hand", async () => {
  const { sim, config } = await env.setUp(GATE_ONLY);
  const server = await env.start(config);
  const a = await sim.uploadChange("org/p", { files: { "a.txt": "a\n" }, message: "Add a\n" });
  await sim.approve(a, "Code-Review", 2);
  const first = await change(server, a);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ number: a, project: "org/p", subject: "Add a", owner: "Ann", status: "NEW", wip: false, source: "answered", inQueue: false, patchset: 1 });
  expect(first.body.reasons).toEqual([{ kind: "needs-approval", pipeline: "gate", label: "Workflow", need: 1, text: "needs Workflow +1 to enter gate" }]);

  await sim.setWip(a, true);
  expect((await change(server, a)).body.reasons.map((r) => r.kind)).toEqual(["work-in-progress", "needs-approval"]);

  const b = await sim.uploadChange("org/p", { files: { "b.txt": "b\n" }, message: "Add b\n" });
  await sim.merge(b);
  expect((await change(server, b)).body.reasons.map((r) => r.text)).toEqual(["merged: it needs no pipeline that tests open changes any more"]);

  expect((await change(server, 99999)).status).toBe(404);
  const bad = await change(server, "12a");
  expect(bad.status).toBe(400);
  expect(bad.body.error).toContain("number:");
}, 60_000);

it("shows each pipeline a change was in with its builds; Gerrit down leaves the store's part and says so", async () => {
  const { sim, config } = await env.setUp(GATE_ONLY);
  const server = await env.start(config);
  const c = await sim.uploadChange("org/p", { files: { "c.txt": "c\n" }, message: "Add c\n" });
  await sim.approve(c, "Code-Review", 2);
  await sim.approve(c, "Workflow", 1);
  await until("change merged by the gate", async () => sim.change(c).status === "MERGED", 90_000);
  const done = await until("the gate's item reported", async () => {
    const { body } = await change(server, c);
    return body.items?.[0]?.result ? body : null;
  });
  expect(done.items.map((i) => [i.pipeline, i.patchset, i.state])).toEqual([["gate", 1, "merged"]]);
  const build = done.items[0]!.buildsets.at(-1)!.builds[0]!;
  expect(build).toMatchObject({ job: "unit", result: "SUCCESS", url: `/builds/${build.id}`, pipeline: "gate", patchset: 1 });
  expect(build.duration).toBeGreaterThanOrEqual(0);
  expect(done.reasons.map((r) => r.kind)).toEqual(["merged"]);
  // The gate's report on the change links this page.
  const vote = sim.reviews.find((r) => r.change === c && r.account === sim.ci.username && r.labels.Verified === 2);
  expect(vote?.message).toContain(`\n\nChange page: ${config.web.url}/changes/${c}`);

  // Gerrit answers 503 to everything: the page answers, from the store, in a few seconds.
  sim.failNext(503, 1000);
  const t0 = Date.now();
  const down = await change(server, c);
  expect(Date.now() - t0).toBeLessThan(15_000);
  expect(down.status).toBe(200);
  expect(down.body.source).toBe("unavailable");
  expect(down.body.reasons.map((r) => r.kind)).toEqual(["source-unavailable", "merged"]);
  expect(down.body.items).toHaveLength(1);
  const page = await fetch(`${server.url}/changes/${c}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("Gerrit could not be asked");
  expect(html).toContain(`href="/builds/${build.id}"`);
  expect(html).not.toMatch(/at .*\.ts:\d+/);
}, 120_000);
