import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GateMetrics } from "../../../src/metrics/metrics.ts";
import { choosePrunes } from "../../../src/retention/files.ts";
import { pruneOnce, type RetentionDeps } from "../../../src/retention/retention.ts";
import { type OpenStore, openDatabase } from "../../../src/store/db.ts";
import { parseExposition } from "../metrics/exposition.ts";

const DAY = 86400;
const NOW = Date.UTC(2025, 5, 1);
let dir = "";
let store: OpenStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-retention-"));
  store = openDatabase(join(dir, "gatebox.sqlite"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A file of `bytes` bytes written `daysAgo` days before NOW (a build's artifact directory with it). */
function file(path: string, bytes: number, daysAgo: number): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes, 97));
  const t = (NOW - daysAgo * DAY * 1000) / 1000;
  utimesSync(path, t, t);
  const m = /^(.*\/artifacts\/[^/]+)\//.exec(path);
  if (m) utimesSync(m[1]!, t, t);
  return path;
}

const consoleOf = (id: string) => join(dir, "logs", `${id}.console.jsonl`);
const artifactOf = (id: string, name: string) => join(dir, "artifacts", id, name);

function deps(over: Partial<Omit<RetentionDeps, "metrics">> = {}): RetentionDeps & { lines: string[]; metrics: GateMetrics } {
  const lines: string[] = [];
  const metrics = new GateMetrics({ dataDir: dir, view: () => null, executors: () => [] });
  return {
    dataDir: dir,
    db: store.db,
    config: () => ({ builds: 90 * DAY, logs: 30 * DAY, logsSize: 20 * 1024 ** 3 }),
    keep: () => false,
    metrics,
    log: (l) => lines.push(l),
    now: () => NOW,
    lines,
    ...over,
  };
}

function build(id: number, state: string, finishedDaysAgo: number | null): void {
  const finished = finishedDaysAgo === null ? null : NOW / 1000 - finishedDaysAgo * DAY;
  store.sqlite.run(
    "INSERT INTO builds (id, buildset_id, item_id, pipeline, project, job, state, queued_at, finished_at) VALUES (?, '1', '1', 'check', 'org/p', 'unit', ?, ?, ?)",
    [String(id), state, NOW / 1000 - 200 * DAY, finished],
  );
}

const count = (table: string) => (store.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("retention", () => {
  it("prunes old consoles and artifacts, keeps recent and running ones, and shows the pruned sizes in the metrics and the log", async () => {
    file(consoleOf("1"), 1000, 40);
    file(artifactOf("1", "report.html"), 3000, 40);
    file(artifactOf("1", "sub/data.bin"), 2000, 41);
    file(consoleOf("2"), 500, 2);
    file(artifactOf("2", "report.html"), 700, 2);
    file(consoleOf("3"), 800, 50); // old, but its build still runs
    const d = deps({ keep: (id) => id === "3" });
    const report = await pruneOnce(d);
    expect(report.logs).toEqual({ count: 1, bytes: 1000 });
    expect(report.artifacts).toEqual({ count: 1, bytes: 5000 });
    expect(existsSync(consoleOf("1"))).toBe(false);
    expect(existsSync(join(dir, "artifacts", "1"))).toBe(false);
    expect(existsSync(consoleOf("2"))).toBe(true);
    expect(existsSync(artifactOf("2", "report.html"))).toBe(true);
    expect(existsSync(consoleOf("3"))).toBe(true);
    const m = parseExposition(await d.metrics.text());
    expect(m.value("gatebox_retention_pruned_bytes_total", { kind: "logs" })).toBe(1000);
    expect(m.value("gatebox_retention_pruned_bytes_total", { kind: "artifacts" })).toBe(5000);
    expect(m.value("gatebox_retention_pruned_total", { kind: "logs" })).toBe(1);
    expect(d.lines).toEqual(["gatebox: retention: pruned 1 console log(s) (0.0 MiB), 1 artifact dir(s) (0.0 MiB)"]);
    // A second pass finds nothing more, and says nothing.
    expect((await pruneOnce(d)).logs.count).toBe(0);
    expect(d.lines).toHaveLength(1);
  });

  it("keeps logs under logs-size by pruning the oldest first", async () => {
    const MIB = 1024; // small files: pruneOnce takes any budget (the config's floor is 64 MiB)
    file(consoleOf("10"), 30 * MIB, 5);
    file(consoleOf("11"), 30 * MIB, 4);
    file(artifactOf("12", "a"), 30 * MIB, 3);
    file(consoleOf("13"), 30 * MIB, 1);
    const d = deps({ config: () => ({ builds: 90 * DAY, logs: 30 * DAY, logsSize: 64 * MIB }) });
    const report = await pruneOnce(d);
    expect(report.logs).toEqual({ count: 2, bytes: 60 * MIB });
    expect([10, 11, 13].map((id) => existsSync(consoleOf(String(id))))).toEqual([false, false, true]);
    expect(existsSync(artifactOf("12", "a"))).toBe(true);
  });

  it("deletes build records older than retention.builds, never a build still under way", async () => {
    build(1, "finished", 100);
    build(2, "cancelled", 95);
    build(3, "finished", 10);
    build(4, "running", null);
    store.sqlite.run("INSERT INTO events (at, kind, payload) VALUES (?, 'enqueue', '{}'), (?, 'enqueue', '{}')", [NOW / 1000 - 100 * DAY, NOW / 1000 - DAY]);
    const report = await pruneOnce(deps());
    expect(report.records).toEqual({ builds: 2, buildsets: 0, items: 0, events: 1 });
    expect((store.sqlite.query("SELECT id FROM builds ORDER BY id").all() as { id: string }[]).map((r) => r.id)).toEqual(["3", "4"]);
    expect(count("events")).toBe(1);
  });

  it("removes orphaned workspaces through the merger and counts them", async () => {
    const d = deps({ cleanWorkspaces: async () => ["17", "18"] });
    expect((await pruneOnce(d)).workspaces).toBe(2);
    expect(parseExposition(await d.metrics.text()).value("gatebox_retention_pruned_total", { kind: "workspaces" })).toBe(2);
    expect(d.lines.at(-1)).toMatch(/2 orphaned workspace\(s\)/);
  });
});

describe("choosePrunes", () => {
  it("never chooses what keep names, even when the budget is exceeded", () => {
    const f = (buildId: string, mtimeMs: number, bytes: number) => ({ kind: "logs" as const, path: buildId, buildId, mtimeMs, bytes });
    const chosen = choosePrunes([f("a", 1, 100), f("b", 2, 100), f("c", 3, 100)], { now: 10, maxAgeMs: 100, maxBytes: 50, keep: (id) => id === "a" });
    expect(chosen.map((x) => x.buildId)).toEqual(["b", "c"]);
  });
});
