import { statfsSync } from "node:fs";
import type { EngineStatus } from "../executor/pool.ts";
import type { PollStatus } from "../sources/source.ts";
import type { OpenStore } from "../store/db.ts";
import type { HealthProblem, HealthReport } from "../web/context.ts";

/** The data disk is "nearly full" below either of these (free space for gatebox's user). */
export const MIN_FREE_BYTES = 1024 ** 3;
export const MIN_FREE_RATIO = 0.05;
/** Gerrit polling is a problem once it has failed for this many poll intervals in a row. */
export const GERRIT_FAILED_POLLS = 3;
/** How often the server looks at its own health to log changes (ok → problems → ok). */
export const HEALTH_LOG_EVERY_MS = 30_000;

/** The Gerrit source's side of health (Source.status()). */
export type SourceHealth = PollStatus;

/** One executor's side of health (ExecutorPool.engines()). */
export type ExecutorHealth = EngineStatus;

/** What the health model asks of the gate. */
export interface GateHealth {
  sourceHealth(): SourceHealth | null;
  executorHealth(): ExecutorHealth[];
}

export interface HealthOptions {
  minFreeBytes?: number;
  minFreeRatio?: number;
  /** The store's write probe runs at most this often (default WRITE_PROBE_EVERY_MS). */
  probeEveryMs?: number;
  now?: () => number;
}

export interface HealthParts {
  store: OpenStore;
  dataDir: string;
  gate: GateHealth | null;
  /** Seconds between Gerrit polls; null without a Gerrit connection. */
  pollInterval: number | null;
}

/** Composes the checks into the one `health()` the web serves at /healthz. */
export function healthModel(parts: HealthParts, opts: HealthOptions = {}): () => HealthReport {
  const now = opts.now ?? Date.now;
  return () => {
    const t = now();
    const problems = [
      storeProblem(parts.store, opts.probeEveryMs),
      diskProblem(parts.dataDir, opts.minFreeBytes ?? MIN_FREE_BYTES, opts.minFreeRatio ?? MIN_FREE_RATIO),
      gerritProblem(parts.gate?.sourceHealth() ?? undefined, parts.pollInterval, t),
      executorProblem(parts.gate?.executorHealth(), t),
    ].filter((p): p is HealthProblem => p !== null);
    return { ok: problems.length === 0, problems };
  };
}

/**
 * Logs when health changes: "gatebox: unhealthy: CHECK: …" once when a check starts failing, and
 * "gatebox: healthy again" when all pass. Looks now, then every `everyMs`. Returns a stop function.
 */
export function watchHealth(health: () => HealthReport, log: (line: string) => void, everyMs = HEALTH_LOG_EVERY_MS): () => void {
  const changes = healthChanges(log);
  changes(health());
  const timer = setInterval(() => changes(health()), everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

/** Feed it each report in turn: it logs only the changes (the failing checks, not their changing wording). */
export function healthChanges(log: (line: string) => void): (report: HealthReport) => void {
  let failing: string[] = [];
  return (report) => {
    const checks = report.problems.map((p) => p.check);
    for (const p of report.problems) if (!failing.includes(p.check)) log(`gatebox: unhealthy: ${p.check}: ${p.message}`);
    if (report.ok && failing.length > 0) log("gatebox: healthy again");
    failing = checks;
  };
}

function storeProblem(store: OpenStore, everyMs: number | undefined): HealthProblem | null {
  const w = store.canWrite(everyMs);
  if (w.ok) return null;
  return { check: "store", message: `${store.path}: the store cannot write (${w.error}); nothing new can be recorded` };
}

function diskProblem(dir: string, minBytes: number, minRatio: number): HealthProblem | null {
  let free: number;
  let total: number;
  try {
    const s = statfsSync(dir);
    free = s.bavail * s.bsize;
    total = s.blocks * s.bsize;
  } catch (err) {
    return { check: "disk", message: `${dir}: cannot read the free space of the data disk (${(err as Error).message})` };
  }
  if (free >= minBytes && free >= minRatio * total) return null;
  const pct = total > 0 ? ((100 * free) / total).toFixed(1) : "0";
  return {
    check: "disk",
    message: `${dir}: the data disk is nearly full: ${size(free)} free of ${size(total)} (${pct} %); gatebox wants at least ${size(minBytes)} and ${minRatio * 100} % free`,
  };
}

function gerritProblem(h: SourceHealth | undefined, pollInterval: number | null, now: number): HealthProblem | null {
  if (!h || h.failingSince === null || pollInterval === null) return null;
  const failingFor = now - h.failingSince;
  if (failingFor <= GERRIT_FAILED_POLLS * pollInterval * 1000) return null;
  const last = h.lastOkAt === null ? "no poll has worked since gatebox started" : `last good poll ${new Date(h.lastOkAt).toISOString()}`;
  return { check: "gerrit", message: `polling Gerrit has failed for ${duration(failingFor)} (${last}): ${h.lastError ?? "?"}` };
}

function executorProblem(all: ExecutorHealth[] | undefined, now: number): HealthProblem | null {
  if (!all || all.length === 0 || all.some((e) => e.ok)) return null;
  const each = all.map((e) => `${e.name}${e.failingSince === null ? "" : ` for ${duration(now - e.failingSince)}`}: ${e.lastError ?? "?"}`);
  return { check: "executors", message: `no executor answers (${each.join("; ")}); builds cannot run` };
}

function size(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 10 || i === 0 || Number.isInteger(n) ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}
