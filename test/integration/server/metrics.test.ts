import { join } from "node:path";
import { expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import type { RunningServer } from "../../../src/server/server.ts";
import { type Exposition, parseExposition } from "../../unit/metrics/exposition.ts";
import { serverPerTest } from "./support.ts";

/** GET /metrics of a real server (in process) against the Gerrit simulator and a local executor. */

const t = serverPerTest("metrics");

async function scrape(s: RunningServer): Promise<Exposition> {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

it("counts a build, its duration, the merge and Gerrit's requests; the text parses as Prometheus exposition", async () => {
  const { sim, config } = await t.setUp(`executors: [{name: here, type: local, capacity: 3}]
pipelines:
  - name: check
    manager: independent
    trigger: {gerrit: [{event: patchset-created}]}
    success: {gerrit: {labels: {Verified: 1}}}
    failure: {gerrit: {labels: {Verified: -1}}}
jobs: [{name: unit, image: none, run: "sleep 0.3; echo ok"}]
projects: [{name: org/p, check: {jobs: [unit]}}]
`);
  const s = await t.start(config);
  const before = await until("a first poll", async () => {
    const m = await scrape(s);
    return (m.value("gatebox_gerrit_requests_total", { outcome: "ok" }) ?? 0) > 0 ? m : undefined;
  });
  expect(before.value("gatebox_up")).toBe(1);
  expect(before.value("gatebox_builds_total", { pipeline: "check", job: "unit", result: "SUCCESS" })).toBeUndefined();
  expect(before.value("gatebox_executor_slots", { executor: "here", state: "total" })).toBe(3);
  expect(before.value("gatebox_executor_slots", { executor: "here", state: "used" })).toBe(0);
  expect(before.value("gatebox_gerrit_poll_age_seconds")).toBeLessThan(30);
  expect(before.value("gatebox_disk_free_bytes")).toBeGreaterThan(0);

  await sim.uploadChange("org/p", { files: { "a.txt": "a\n" }, message: "Add a" });
  const after = await until("the build counted", async () => {
    const m = await scrape(s);
    return m.value("gatebox_builds_total", { pipeline: "check", job: "unit", result: "SUCCESS" }) === 1 ? m : undefined;
  });
  expect(after.value("gatebox_build_duration_seconds_count", { pipeline: "check", job: "unit" })).toBe(1);
  expect(after.value("gatebox_build_duration_seconds_sum", { pipeline: "check", job: "unit" })).toBeGreaterThan(0.2);
  expect(after.value("gatebox_queue_wait_seconds_count", { pipeline: "check" })).toBe(1);
  expect(after.value("gatebox_merges_total", { result: "success" })).toBe(1);
  expect(after.value("gatebox_gerrit_requests_total", { outcome: "ok" })).toBeGreaterThan(before.value("gatebox_gerrit_requests_total", { outcome: "ok" }) ?? 0);
}, 60_000);

it("without a Gerrit connection it still serves the process's metrics, with no poll age", async () => {
  const dir = t.tempDir();
  const m = await scrape(await t.start(parseConfig(join(dir, "gatebox.yaml"), `data-dir: ${join(dir, "data")}\n`)));
  expect(m.value("gatebox_up")).toBe(1);
  expect(m.types.has("gatebox_gerrit_poll_age_seconds")).toBe(false);
  expect(m.types.get("gatebox_builds_total")).toBe("counter");
  expect(m.types.get("gatebox_queue_wait_seconds")).toBe("histogram");
});
