import type { RetentionConfig } from "../config/model.ts";
import type { GateMetrics } from "../metrics/metrics.ts";
import type { Db } from "../store/db.ts";
import { type PrunedRecords, pruneRecords } from "../store/retention.ts";
import { type BuildFile, buildFiles, choosePrunes, removeFiles } from "./files.ts";

export interface RetentionDeps {
  dataDir: string;
  db: Db;
  /** The retention in force (a reload may change it). */
  config(): RetentionConfig;
  /** Builds whose console and artifacts must stay whatever their age (running, or in flight). */
  keep(buildId: string): boolean;
  /** Removes orphaned workspaces (the merger's, sparing live ones); resolves with their names. */
  cleanWorkspaces?: () => Promise<string[]>;
  metrics?: GateMetrics | null;
  log(line: string): void;
  /** Unix ms. */
  now?: () => number;
}

/** What one pass pruned. */
export interface PruneReport {
  logs: { count: number; bytes: number };
  artifacts: { count: number; bytes: number };
  records: PrunedRecords;
  workspaces: number;
}

/** The first pass runs this long after the start, then every hour. */
export const FIRST_PASS_MS = 60_000;
export const PASS_EVERY_MS = 60 * 60 * 1000;

/**
 * One retention pass: console logs and artifact directories older than `retention.logs` go, then
 * the oldest first while they take more than `retention.logs-size`; build records older than
 * `retention.builds` go from the store; orphaned workspaces go. What went shows in the log (one
 * line, only when something went) and in the metrics.
 */
export async function pruneOnce(deps: RetentionDeps): Promise<PruneReport> {
  const now = (deps.now ?? Date.now)();
  const config = deps.config();
  const files = await buildFiles(deps.dataDir);
  const chosen = choosePrunes(files, { now, maxAgeMs: config.logs * 1000, maxBytes: config.logsSize, keep: deps.keep });
  const gone = await removeFiles(chosen, deps.log);
  const sum = (kind: BuildFile["kind"]) => {
    const of = gone.filter((f) => f.kind === kind);
    return { count: of.length, bytes: of.reduce((n, f) => n + f.bytes, 0) };
  };
  const records = pruneRecords(deps.db, (now - config.builds * 1000) / 1000);
  const workspaces = deps.cleanWorkspaces ? await deps.cleanWorkspaces().catch((err: Error) => {
    deps.log(`gatebox: retention: cannot remove orphaned workspaces: ${err.message}`);
    return [] as string[];
  }) : [];
  const report: PruneReport = { logs: sum("logs"), artifacts: sum("artifacts"), records, workspaces: workspaces.length };
  account(report, deps);
  return report;
}

/** Runs `pruneOnce` a minute after the start, then every hour; a failing pass is logged and the next one comes. */
export function startRetention(deps: RetentionDeps, firstMs = FIRST_PASS_MS, everyMs = PASS_EVERY_MS): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const pass = () => {
    running = pruneOnce(deps).catch((err: Error) => deps.log(`gatebox: retention pass failed: ${err.message}`));
  };
  let timer = setTimeout(function tick() {
    pass();
    timer = setTimeout(tick, everyMs);
    timer.unref?.();
  }, firstMs);
  timer.unref?.();
  return {
    async stop() {
      clearTimeout(timer);
      await running;
    },
  };
}

function account(r: PruneReport, deps: RetentionDeps): void {
  const rows = r.records.builds + r.records.buildsets + r.records.items + r.records.events;
  deps.metrics?.pruned("logs", r.logs.count, r.logs.bytes);
  deps.metrics?.pruned("artifacts", r.artifacts.count, r.artifacts.bytes);
  deps.metrics?.pruned("records", rows, 0);
  deps.metrics?.pruned("workspaces", r.workspaces, 0);
  const parts = [
    r.logs.count > 0 ? `${r.logs.count} console log(s) (${mib(r.logs.bytes)})` : "",
    r.artifacts.count > 0 ? `${r.artifacts.count} artifact dir(s) (${mib(r.artifacts.bytes)})` : "",
    r.records.builds > 0 || rows > 0 ? `${r.records.builds} build record(s) and ${rows - r.records.builds} other row(s)` : "",
    r.workspaces > 0 ? `${r.workspaces} orphaned workspace(s)` : "",
  ].filter((p) => p !== "");
  if (parts.length > 0) deps.log(`gatebox: retention: pruned ${parts.join(", ")}`);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
