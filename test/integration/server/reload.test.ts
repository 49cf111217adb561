import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../../src/config/load.ts";
import { type RunningServer, startServer } from "../../../src/server/server.ts";
import { GerritSimulator } from "../../support/gerrit/simulator.ts";

/** Reloading the config of a running server (in process): SIGHUP and POST /api/reload. */

const TOKEN = "reload-admin-token-123";
let dir = "";
let file = "";
let server: RunningServer | null = null;
let sim: GerritSimulator | null = null;
let lines: string[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-reload-"));
  file = join(dir, "gatebox.yaml");
  sim = await GerritSimulator.start();
  await sim.createProject("org/p");
  process.env.GATEBOX_TEST_RELOAD_PW = sim.ci.password;
  process.env.GATEBOX_TEST_RELOAD_TOKEN = TOKEN;
  lines = [];
});
afterEach(async () => {
  await server?.stop();
  await sim?.stop();
  server = null;
  sim = null;
  rmSync(dir, { recursive: true, force: true });
});

/** The config: `check` runs `jobs` for org/p; `extra` (a second pipeline) when asked. */
function writeConfig(opts: { jobs: string[]; extra?: boolean; broken?: string; executor?: string }): void {
  const sim_ = sim!;
  const pipeline = (name: string) =>
    `  - {name: ${name}, manager: independent, trigger: {gerrit: [{event: patchset-created}]}, success: {gerrit: {labels: {Verified: 1}}}, failure: {gerrit: {labels: {Verified: -1}}}}`;
  writeFileSync(
    file,
    `
data-dir: ${join(dir, "data")}
connections: {gerrit: {url: "${sim_.url}", user: ${sim_.ci.username}, password: {env: GATEBOX_TEST_RELOAD_PW}, poll-interval: 1s}}
web: {admin-token: {env: GATEBOX_TEST_RELOAD_TOKEN}, console-listen: false}
executors: [${opts.executor ?? "{name: here, type: local, capacity: 4}"}]
pipelines:
${pipeline("check")}
${opts.extra ? pipeline("extra") : ""}
jobs:
  - {name: slow, image: none, run: "sleep 2; echo slow done"}
  - {name: quick, image: none, run: "echo quick"}
  - {name: long, image: none, run: "sleep 60"}
${opts.broken ?? ""}
projects:
  - name: org/p
    check: {jobs: [${opts.jobs.join(", ")}]}
${opts.extra ? "    extra: {jobs: [long]}" : ""}
`,
  );
}

async function start(): Promise<RunningServer> {
  server = await startServer({ config: loadConfigFile(file), listen: { host: "127.0.0.1", port: 0 }, consoleListen: null, log: (l) => lines.push(l) });
  return server;
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${lines.join("\n")}`);
    await Bun.sleep(50);
  }
}

function post(s: RunningServer, token: string | null = TOKEN): Promise<Response> {
  return fetch(`${s.url}/api/reload`, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} });
}

function jobsOf(s: RunningServer, change: string, pipeline = "check") {
  const p = s.gate!.view().pipelines.find((x) => x.name === pipeline);
  return p?.queues.flatMap((q) => q.items).find((i) => i.change.id === change)?.jobs;
}

describe("reload", () => {
  it("applies a valid config without dropping a running build; new jobs apply to new items", async () => {
    writeConfig({ jobs: ["slow"] });
    const s = await start();
    const first = String(await sim!.uploadChange("org/p", { files: { "a.txt": "a\n" }, message: "Add a" }));
    await until("the slow build running", () => jobsOf(s, first)?.some((j) => j.state === "running"));

    writeConfig({ jobs: ["slow", "quick"] });
    const res = await post(s);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, file, dequeued: [], restartNeeded: [] });
    // The item under way keeps its buildset (and its one job), and its build goes on to the end.
    expect(jobsOf(s, first)?.map((j) => j.job)).toEqual(["slow"]);
    await until("the first change's Verified+1", () => sim!.reviews.find((r) => String(r.change) === first && r.labels?.Verified === 1));
    expect(lines.some((l) => l.includes(`config reloaded from ${file}`))).toBe(true);

    const second = String(await sim!.uploadChange("org/p", { files: { "b.txt": "b\n" }, message: "Add b" }));
    const jobs = await until("the second change enqueued", () => jobsOf(s, second));
    expect(jobs.map((j) => j.job)).toEqual(["slow", "quick"]);
  });

  it("a replaced executor drains: its running build finishes there, new builds go to the new one", async () => {
    writeConfig({ jobs: ["slow"] });
    const s = await start();
    const first = String(await sim!.uploadChange("org/p", { files: { "a.txt": "a\n" }, message: "Add a" }));
    const executorOf = async (change: string) =>
      ((await (await fetch(`${s.url}/api/builds?change=${change}`)).json()) as { builds: { executor: string | null }[] }).builds.map((b) => b.executor);
    for (let i = 0; i < 200 && (await executorOf(first))[0] !== "here"; i++) await Bun.sleep(50);
    expect(await executorOf(first)).toEqual(["here"]);

    writeConfig({ jobs: ["slow"], executor: "{name: there, type: local, capacity: 2}" });
    const res = await post(s);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { restartNeeded: string[] }).restartNeeded).toEqual([]);
    expect(s.gate!.view().capacity).toBe(2);
    // The build under way on `here` ends there and is reported.
    await until("the first change's Verified+1", () => sim!.reviews.find((r) => String(r.change) === first && r.labels?.Verified === 1));
    const second = String(await sim!.uploadChange("org/p", { files: { "b.txt": "b\n" }, message: "Add b" }));
    await until("the second change's Verified+1", () => sim!.reviews.find((r) => String(r.change) === second && r.labels?.Verified === 1));
    expect(await executorOf(second)).toEqual(["there"]);
    expect(await executorOf(first)).toEqual(["here"]);
  }, 60_000);

  it("refuses an invalid config with every problem (400), logs them, and keeps the config in force", async () => {
    writeConfig({ jobs: ["quick"] });
    const s = await start();
    writeConfig({ jobs: ["quick", "nosuchjob"], broken: "  - {name: bad, image: none, run: x, timeout: 99y}" });
    const res = await post(s);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; problems: string[] };
    expect(body.error).toMatch(/^the config was not reloaded/);
    expect(body.problems.length).toBeGreaterThanOrEqual(2);
    expect(body.problems.join("\n")).toMatch(/timeout/);
    expect(body.problems.join("\n")).toMatch(/nosuchjob/);
    for (const p of body.problems) expect(p).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: `));
    expect(lines.some((l) => l.startsWith("gatebox: the config was not reloaded"))).toBe(true);
    for (const p of body.problems) expect(lines).toContain(`gatebox:   ${p}`);
    // Still the old config: a new change runs `quick` only.
    const change = String(await sim!.uploadChange("org/p", { files: { "c.txt": "c\n" }, message: "Add c" }));
    expect((await until("the change enqueued", () => jobsOf(s, change))).map((j) => j.job)).toEqual(["quick"]);
    expect((await s.metrics.text()).includes('gatebox_config_reloads_total{result="refused"} 1')).toBe(true);
  });

  it("dequeues the items of a pipeline that is gone, cancelling their builds, with a message", async () => {
    writeConfig({ jobs: ["quick"], extra: true });
    const s = await start();
    const change = String(await sim!.uploadChange("org/p", { files: { "d.txt": "d\n" }, message: "Add d" }));
    await until("the long build running in extra", () => jobsOf(s, change, "extra")?.some((j) => j.state === "running"));

    writeConfig({ jobs: ["quick"] });
    const res = await post(s);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { dequeued: unknown[] };
    expect(body.dequeued).toEqual([{ pipeline: "extra", change, project: "org/p", why: "the extra pipeline is no longer configured" }]);
    await s.gate!.settled();
    expect(s.gate!.view().pipelines.map((p) => p.name)).toEqual(["check"]);
    expect(lines).toContain(`gatebox: change ${change} leaves extra after the config changed: the extra pipeline is no longer configured`);
    await until("the long build cancelled", () => s.gate!.view().running === 0 || undefined);
  });

  it("reloads on SIGHUP, and POST /api/reload needs the admin token", async () => {
    writeConfig({ jobs: ["quick"] });
    const s = await start();
    expect((await post(s, null)).status).toBe(401);
    expect((await post(s, "wrong")).status).toBe(401);
    writeConfig({ jobs: ["quick", "slow"] });
    process.emit("SIGHUP", "SIGHUP");
    await until("the reload", () => lines.some((l) => l.startsWith("gatebox: config reloaded")));
    const change = String(await sim!.uploadChange("org/p", { files: { "e.txt": "e\n" }, message: "Add e" }));
    expect((await until("the change enqueued", () => jobsOf(s, change))).map((j) => j.job)).toEqual(["quick", "slow"]);
  });
});

describe("strandedItems", () => {
  const yaml = (projects: string) => `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: PW}}}
pipelines:
  - {name: gate, manager: dependent, trigger: {gerrit: [{event: comment-added}]}}
  - {name: check, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}
jobs: [{name: unit, image: busybox, run: make}]
projects:
${projects}
`;
  it("names items of a project that left a pipeline, or whose shared queue is gone", async () => {
    const { parseConfig } = await import("../../../src/config/load.ts");
    const { CorePort } = await import("../../../src/driver/scheduler-port.ts");
    const { layoutFromConfig } = await import("../../../src/driver/layout.ts");
    const { strandedOf } = await import("../../../src/driver/reload.ts");
    const before = parseConfig(
      "gatebox.yaml",
      yaml(`  - {name: org/a, gate: {jobs: [unit], queue: shared}, check: {jobs: [unit]}}
  - {name: org/b, gate: {jobs: [unit], queue: shared}, check: {jobs: [unit]}}`),
    );
    const core = CorePort.create(layoutFromConfig(before), {});
    const change = (id: string, project: string) => ({ id, project, branch: "main", dependsOn: [] });
    core.handle({ type: "enqueue", pipeline: "gate", change: change("1", "org/a") }, 1);
    core.handle({ type: "enqueue", pipeline: "gate", change: change("2", "org/b") }, 1);
    core.handle({ type: "enqueue", pipeline: "check", change: change("3", "org/b") }, 1);
    expect(strandedOf(core, before)).toEqual([]);
    // org/a gets a queue of its own in gate; org/b leaves check.
    const after = parseConfig(
      "gatebox.yaml",
      yaml(`  - {name: org/a, gate: {jobs: [unit]}, check: {jobs: [unit]}}
  - {name: org/b, gate: {jobs: [unit], queue: shared}}`),
    );
    core.relayout(layoutFromConfig(after));
    expect(strandedOf(core, after).map((s) => [s.pipeline, s.changeId, s.why])).toEqual([
      ["check", "3", "project org/b no longer takes part in check"],
    ]);
    // Without any project in the shared queue, it is gone: org/a's item enters its new queue again.
    const none = parseConfig("gatebox.yaml", yaml("  - {name: org/a, gate: {jobs: [unit]}}"));
    core.relayout(layoutFromConfig(none));
    const stranded = strandedOf(core, none);
    expect(stranded.map((s) => [s.pipeline, s.changeId, s.why, s.requeue !== undefined])).toEqual([
      ["gate", "1", "queue shared is no longer in gate", true],
      ["gate", "2", "project org/b no longer takes part in gate", false],
      ["check", "3", "project org/b no longer takes part in check", false],
    ]);
    // What the driver then does: dequeue each, and enqueue the moved one again.
    for (const x of stranded) {
      core.handle({ type: "dequeue", pipeline: x.pipeline, changeId: x.changeId }, 2);
      if (x.requeue) core.handle({ type: "enqueue", pipeline: x.pipeline, change: x.requeue.change, needs: x.requeue.needs }, 2);
    }
    expect(strandedOf(core, none)).toEqual([]);
    const gate = core.view().pipelines.find((p) => p.name === "gate")!;
    expect(gate.queues.map((q) => [q.name, q.items.map((i) => i.change.id)])).toEqual([["org/a", ["1"]]]);
  });
});
