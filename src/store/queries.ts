import { and, count, desc, eq, inArray, isNotNull, type SQL } from "drizzle-orm";
import { isChangeMeta } from "../sources/source.ts";
import type { Db } from "./db.ts";
import { builds, buildsets, queueItems } from "./schema.ts";

/** Read-only store queries behind the API and the pages (the web never writes the store). */

export type BuildRow = typeof builds.$inferSelect;

export interface BuildFilter {
  project?: string;
  pipeline?: string;
  result?: string;
  change?: number;
  job?: string;
  limit: number;
  offset: number;
}

export function listBuilds(db: Db, f: BuildFilter): { total: number; builds: BuildRow[] } {
  const where = and(
    ...([
      f.project !== undefined ? eq(builds.project, f.project) : undefined,
      f.pipeline !== undefined ? eq(builds.pipeline, f.pipeline) : undefined,
      f.result !== undefined ? eq(builds.result, f.result) : undefined,
      f.change !== undefined ? eq(builds.changeNumber, f.change) : undefined,
      f.job !== undefined ? eq(builds.job, f.job) : undefined,
    ].filter(Boolean) as SQL[]),
  );
  const total = db.select({ n: count() }).from(builds).where(where).get()?.n ?? 0;
  const rows = db.select().from(builds).where(where).orderBy(desc(builds.queuedAt), desc(builds.id)).limit(f.limit).offset(f.offset).all();
  return { total, builds: rows };
}

export interface BuildsetChange {
  id: string;
  project: string;
  number: number | null;
  patchset: number | null;
  subject: string;
  url: string;
}

/** One build with its buildset: the speculative state it was tested on (changes ahead, then its own). */
export function getBuild(db: Db, id: string) {
  const build = db.select().from(builds).where(eq(builds.id, id)).get();
  if (!build) return null;
  const bs = db.select().from(buildsets).where(eq(buildsets.id, build.buildsetId)).get();
  const state = bs ? parseState(bs.state) : [];
  const item = db.select().from(queueItems).where(eq(queueItems.id, build.itemId)).get() ?? null;
  return {
    build,
    buildset: bs ? { id: bs.id, result: bs.result, createdAt: bs.createdAt, finishedAt: bs.finishedAt, commits: parseJson(bs.commits) } : null,
    /** The changes merged before this build's own, in order. */
    ahead: state.slice(0, -1),
    change: state.at(-1) ?? null,
    item,
  };
}

/** Median duration (seconds) of each job's last `sample` successful builds; jobs with none are absent. */
export function medianDurations(db: Db, jobs: string[], sample = 20): Map<string, number> {
  const out = new Map<string, number>();
  if (jobs.length === 0) return out;
  const rows = db
    .select({ job: builds.job, startedAt: builds.startedAt, finishedAt: builds.finishedAt })
    .from(builds)
    .where(and(inArray(builds.job, jobs), eq(builds.result, "SUCCESS"), isNotNull(builds.startedAt), isNotNull(builds.finishedAt)))
    .orderBy(desc(builds.finishedAt))
    .all();
  const per = new Map<string, number[]>();
  for (const r of rows) {
    const list = per.get(r.job) ?? [];
    if (list.length < sample) list.push((r.finishedAt ?? 0) - (r.startedAt ?? 0));
    per.set(r.job, list);
  }
  for (const [job, list] of per) out.set(job, median(list));
  return out;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Whether a build id is known to the store (the TCP console refuses unknown ones). */
export function buildExists(db: Db, id: string): boolean {
  return db.select({ id: builds.id }).from(builds).where(eq(builds.id, id)).get() !== undefined;
}

function parseState(text: string): BuildsetChange[] {
  const v = parseJson(text);
  if (!Array.isArray(v)) return [];
  return v.map((c: { id?: unknown; project?: unknown; meta?: unknown }) => {
    const meta = isChangeMeta(c.meta) ? c.meta : null;
    return {
      id: String(c.id ?? ""),
      project: String(c.project ?? ""),
      number: meta?.number ?? null,
      patchset: meta?.patchset ?? null,
      subject: meta?.subject ?? "",
      url: meta?.url ?? "",
    };
  });
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
