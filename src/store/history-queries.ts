import { and, desc, eq, gte, inArray, isNotNull, type SQL } from "drizzle-orm";
import type { Db } from "./db.ts";
import { builds, buildsets, queueItems } from "./schema.ts";
import { median } from "./queries.ts";

/** The history page's figures, from the store; the bucketing is pure and done here in memory. */

export interface HistoryFilter {
  project?: string;
  pipeline?: string;
  /** How far back, in days. */
  days: number;
  /** Unix seconds. */
  now: number;
}

export interface JobDay {
  /** Start of the day bucket (unix seconds, UTC). */
  day: number;
  builds: number;
  /** Median duration of its finished builds, seconds. */
  median: number | null;
  /** Share of FAILURE / TIMED_OUT among its finished, not cancelled, builds. */
  failureRate: number;
}

export interface JobHistory {
  job: string;
  days: JobDay[];
  median: number | null;
  failureRate: number;
  builds: number;
}

const DAY = 86_400;
const FAILED = new Set(["FAILURE", "TIMED_OUT"]);

function buildWhere(f: HistoryFilter): SQL | undefined {
  return and(
    ...([
      isNotNull(builds.finishedAt),
      gte(builds.finishedAt, f.now - f.days * DAY),
      f.project !== undefined ? eq(builds.project, f.project) : undefined,
      f.pipeline !== undefined ? eq(builds.pipeline, f.pipeline) : undefined,
    ].filter(Boolean) as SQL[]),
  );
}

export function jobHistory(db: Db, f: HistoryFilter): JobHistory[] {
  const rows = db
    .select({ job: builds.job, result: builds.result, startedAt: builds.startedAt, finishedAt: builds.finishedAt })
    .from(builds)
    .where(buildWhere(f))
    .all();
  return bucketJobs(
    rows.map((r) => ({ job: r.job, result: r.result, startedAt: r.startedAt, finishedAt: r.finishedAt ?? 0 })),
  );
}

/** Pure: groups finished builds by job and UTC day. */
export function bucketJobs(rows: { job: string; result: string | null; startedAt: number | null; finishedAt: number }[]): JobHistory[] {
  const perJob = new Map<string, Map<number, { durations: number[]; failed: number; counted: number; n: number }>>();
  for (const r of rows) {
    const day = Math.floor(r.finishedAt / DAY) * DAY;
    const days = perJob.get(r.job) ?? new Map();
    perJob.set(r.job, days);
    const b = days.get(day) ?? { durations: [], failed: 0, counted: 0, n: 0 };
    days.set(day, b);
    b.n++;
    if (r.result === "ABORTED" || r.result === "SKIPPED" || r.result === null) continue;
    b.counted++;
    if (FAILED.has(r.result)) b.failed++;
    if (r.startedAt !== null) b.durations.push(r.finishedAt - r.startedAt);
  }
  return [...perJob.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([job, days]) => {
      const list = [...days.entries()].sort(([a], [b]) => a - b);
      const all = list.flatMap(([, b]) => b.durations);
      const counted = list.reduce((s, [, b]) => s + b.counted, 0);
      const failed = list.reduce((s, [, b]) => s + b.failed, 0);
      return {
        job,
        builds: list.reduce((s, [, b]) => s + b.n, 0),
        median: all.length ? median(all) : null,
        failureRate: counted ? failed / counted : 0,
        days: list.map(([day, b]) => ({
          day,
          builds: b.n,
          median: b.durations.length ? median(b.durations) : null,
          failureRate: b.counted ? b.failed / b.counted : 0,
        })),
      };
    });
}

export interface QueueTime {
  itemId: string;
  pipeline: string;
  project: string;
  change: number | null;
  enqueuedAt: number;
  reportedAt: number;
  seconds: number;
  result: string | null;
}

/** Time from enqueue to report, per reported item (newest first). */
export function queueTimes(db: Db, f: HistoryFilter & { change?: number; limit: number }): QueueTime[] {
  const rows = db
    .select()
    .from(queueItems)
    .where(
      and(
        ...([
          isNotNull(queueItems.reportedAt),
          gte(queueItems.reportedAt, f.now - f.days * DAY),
          f.project !== undefined ? eq(queueItems.project, f.project) : undefined,
          f.pipeline !== undefined ? eq(queueItems.pipeline, f.pipeline) : undefined,
          f.change !== undefined ? eq(queueItems.changeNumber, f.change) : undefined,
        ].filter(Boolean) as SQL[]),
      ),
    )
    .orderBy(desc(queueItems.reportedAt))
    .limit(f.limit)
    .all();
  return rows.map((r) => ({
    itemId: r.id,
    pipeline: r.pipeline,
    project: r.project,
    change: r.changeNumber,
    enqueuedAt: r.enqueuedAt,
    reportedAt: r.reportedAt ?? r.enqueuedAt,
    seconds: Math.max(0, (r.reportedAt ?? r.enqueuedAt) - r.enqueuedAt),
    result: r.result,
  }));
}

/** Recent buildsets with their item's change and their builds' results. */
export function listBuildsets(db: Db, f: HistoryFilter & { change?: number; limit: number; offset: number }) {
  const items = f.project !== undefined || f.change !== undefined
    ? db
        .select({ id: queueItems.id })
        .from(queueItems)
        .where(
          and(
            ...([
              f.project !== undefined ? eq(queueItems.project, f.project) : undefined,
              f.change !== undefined ? eq(queueItems.changeNumber, f.change) : undefined,
            ].filter(Boolean) as SQL[]),
          ),
        )
        .all()
        .map((r) => r.id)
    : null;
  const sets = db
    .select()
    .from(buildsets)
    .where(
      and(
        ...([
          gte(buildsets.createdAt, f.now - f.days * DAY),
          f.pipeline !== undefined ? eq(buildsets.pipeline, f.pipeline) : undefined,
          items !== null ? inArray(buildsets.itemId, items) : undefined,
        ].filter(Boolean) as SQL[]),
      ),
    )
    .orderBy(desc(buildsets.createdAt))
    .limit(f.limit)
    .offset(f.offset)
    .all();
  const ids = sets.map((s) => s.id);
  const bs = ids.length ? db.select().from(builds).where(inArray(builds.buildsetId, ids)).all() : [];
  return sets.map((s) => {
    let state: { id?: string }[] = [];
    try {
      state = JSON.parse(s.state) as { id?: string }[];
    } catch {
      // unreadable state: shown as empty
    }
    return {
      id: s.id,
      itemId: s.itemId,
      pipeline: s.pipeline,
      createdAt: s.createdAt,
      result: s.result,
      changes: state.map((c) => String(c.id ?? "")),
      builds: bs.filter((b) => b.buildsetId === s.id).map((b) => ({ id: b.id, job: b.job, result: b.result, state: b.state })),
    };
  });
}
