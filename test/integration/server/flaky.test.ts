import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import type { RunningServer } from "../../../src/server/server.ts";
import type { GerritSimulator } from "../../support/gerrit/simulator.ts";
import { parseExposition } from "../../unit/metrics/exposition.ts";
import { serverPerTest } from "./support.ts";

// retry-flaky through a real server (in process) against the Gerrit simulator, real git and a
// local executor: change A's gate job fails on its first run and passes on the next, on the same
// state (a marker file the job leaves in a directory the test owns); change B is behind A, so its
// state [A, B] holds the flaky test too.

const t = serverPerTest("flaky");

function gateConfig(markers: string, retry: string): string {
  return `executors: [{name: here, type: local, capacity: 4}]
pipelines:
  - name: gate
    manager: dependent
    trigger: {gerrit: [{event: comment-added, approval: {Workflow: 1}}]}
    success: {gerrit: {labels: {Verified: 2}, submit: true}}
    failure: {gerrit: {labels: {Verified: -2}}}
jobs:
  - name: unit
    image: none
    ${retry}
    env: {MARKERS: "${markers}"}
    run: |
      if [ -f flaky.txt ] && [ ! -f "$MARKERS/ran-$GATEBOX_BUILD" ]; then
        touch "$MARKERS/ran-$GATEBOX_BUILD"; sleep 3; echo "a flaky test failed"; exit 1
      fi
      sleep 1; echo "all tests passed"
projects: [{name: org/p, gate: {jobs: [unit]}}]
`;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

/** A (flaky) and B (fine) approved in that order, each once the previous is in the gate. */
async function approveTwo(sim: GerritSimulator, s: RunningServer): Promise<[number, number]> {
  const a = await sim.uploadChange("org/p", { files: { "flaky.txt": "a\n" }, message: "Add a flaky test" });
  const b = await sim.uploadChange("org/p", { files: { "b.txt": "b\n" }, message: "Add b" });
  for (const n of [a, b]) {
    await sim.approve(n, "Code-Review", 2);
    await sim.approve(n, "Workflow", 1);
    await until(`change ${n} in the gate`, () => s.store.sqlite.query("SELECT 1 FROM queue_items WHERE change_number = ?").get(n));
  }
  return [a, b];
}

function rows<T>(s: RunningServer, sql: string): T[] {
  return s.store.sqlite.query(sql).all() as T[];
}

it("retry-flaky: 1 runs the failed build again on the same state: recorded flaky, nothing reset, both merge", async () => {
  const { sim, dir, config } = await t.setUp(gateConfig("MARKERS", "retry-flaky: 1"));
  const markers = join(dir, "markers");
  mkdirSync(markers);
  config.jobs.get("unit")!.env.MARKERS = markers;
  const s = await t.start(config);
  const [a, b] = await approveTwo(sim, s);
  await until("both merged", () => sim.change(a).status === "MERGED" && sim.change(b).status === "MERGED");
  expect(sim.merges.map((m) => m.change)).toEqual([a, b]);

  const builds = rows<{ change: number; result: string; flaky: number; retries: number }>(
    s,
    "SELECT change_number AS change, result, flaky, flaky_retries AS retries FROM builds ORDER BY CAST(id AS INTEGER)",
  );
  // One build each: both failed once and passed on the retry; the scheduler never saw a failure.
  expect(builds).toEqual([
    { change: a, result: "SUCCESS", flaky: 1, retries: 1 },
    { change: b, result: "SUCCESS", flaky: 1, retries: 1 },
  ]);
  expect(rows<{ result: string }>(s, "SELECT result FROM buildsets").map((r) => r.result)).toEqual(["SUCCESS", "SUCCESS"]);
  expect(rows(s, "SELECT seq FROM events WHERE kind = 'build-retried'")).toHaveLength(2);

  const m = parseExposition(await (await fetch(`${s.url}/metrics`)).text());
  expect(m.value("gatebox_job_flaky_total", { job: "unit" })).toBe(2);
  expect(m.value("gatebox_build_retries_total", { job: "unit", result: "FAILURE" })).toBe(2);
  expect(m.value("gatebox_resets_total", { pipeline: "gate" })).toBeUndefined();
  expect(m.value("gatebox_builds_total", { pipeline: "gate", job: "unit", result: "SUCCESS" })).toBe(2);
  expect(m.value("gatebox_builds_total", { pipeline: "gate", job: "unit", result: "FAILURE" })).toBeUndefined();

  // The build page marks it, with the job's flaky rate.
  const page = await (await fetch(`${s.url}/builds/${rows<{ id: string }>(s, `SELECT id FROM builds WHERE change_number = ${a}`)[0]?.id}`)).text();
  expect(page).toContain("flaky: failed, then passed on retry");
  expect(page).toContain("unit: flaky rate 100% (2 of its last 2 builds)");
}, 90_000);

it("without retry-flaky the same failure is voted down and the change behind it is tested again", async () => {
  const { sim, dir, config } = await t.setUp(gateConfig("MARKERS", ""));
  const markers = join(dir, "markers");
  mkdirSync(markers);
  config.jobs.get("unit")!.env.MARKERS = markers;
  const s = await t.start(config);
  const [a, b] = await approveTwo(sim, s);
  await until("b merged, a rejected", () =>
    sim.change(b).status === "MERGED" && sim.reviews.some((r) => r.change === a && r.labels.Verified === -2),
  );
  expect(sim.change(a).status).toBe("NEW");
  expect(rows<{ n: number }>(s, "SELECT count(*) AS n FROM builds WHERE flaky = 1")[0]?.n).toBe(0);
  expect(rows<{ n: number }>(s, "SELECT count(*) AS n FROM builds WHERE flaky_retries > 0")[0]?.n).toBe(0);
  // B failed on [A, B] too, and was tested again on a state without A.
  const bSets = rows<{ state: string }>(s, `SELECT b.state FROM buildsets b JOIN queue_items q ON q.id = b.item_id WHERE q.change_number = ${b}`);
  expect(bSets.length).toBe(2);
  expect(rows<{ result: string }>(s, `SELECT result FROM builds WHERE change_number = ${a}`).map((r) => r.result)).toEqual(["FAILURE"]);
  const m = parseExposition(await (await fetch(`${s.url}/metrics`)).text());
  expect(m.value("gatebox_build_retries_total", { job: "unit", result: "FAILURE" })).toBeUndefined();
  expect(m.value("gatebox_job_flaky_total", { job: "unit" })).toBeUndefined();
}, 90_000);
