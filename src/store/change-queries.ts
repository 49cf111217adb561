import { asc, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "./db.ts";
import { builds, buildsets, changes, patchsets, queueItems } from "./schema.ts";

/** The change page's read of the store: one change's record and every item, buildset and build it had. */

export type ChangeRow = typeof changes.$inferSelect;

export interface ChangeBuild {
  id: string;
  job: string;
  /** queued | running | finished | cancelled */
  state: string;
  /** A BuildResult; null while it has none. */
  result: string | null;
  voting: boolean;
  attempt: number;
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface ChangeBuildset {
  id: string;
  /** SUCCESS, FAILURE, MERGE_CONFLICT, … (docs/architecture.md); null while under way. */
  result: string | null;
  createdAt: number | null;
  finishedAt: number | null;
  builds: ChangeBuild[];
}

/** One time the change was in a pipeline (a queue item), newest first in `ChangeHistory.items`. */
export interface ChangeItem {
  id: string;
  pipeline: string;
  queue: string;
  project: string;
  patchset: number | null;
  enqueuedAt: number;
  /** waiting | active | failing | reported | dequeued | merged */
  state: string;
  /** The report's result (`1`, `-1`, `merge-conflict`, …); null before one. */
  result: string | null;
  /** The report's text (e.g. git's conflict message); null without one. */
  reason: string | null;
  reportedAt: number | null;
  /** Oldest first: a reset makes a new buildset for the same item. */
  buildsets: ChangeBuildset[];
}

export interface ChangeHistory {
  change: ChangeRow | null;
  patchsets: { patchset: number; revision: string; createdAt: number }[];
  items: ChangeItem[];
}

/** Only what the page shows: a long history reads hundreds of builds. */
const BUILD_COLUMNS = {
  id: builds.id,
  buildsetId: builds.buildsetId,
  itemId: builds.itemId,
  job: builds.job,
  state: builds.state,
  result: builds.result,
  voting: builds.voting,
  attempt: builds.attempt,
  queuedAt: builds.queuedAt,
  startedAt: builds.startedAt,
  finishedAt: builds.finishedAt,
};

/** How many items of one change are read at most (a change rechecked hundreds of times shows its latest). */
const MAX_ITEMS = 200;

/** Everything the store knows of change `number`; null when it knows nothing at all. */
export function changeHistory(db: Db, number: number): ChangeHistory | null {
  const change = db.select().from(changes).where(eq(changes.number, number)).get() ?? null;
  const sets = db
    .select({ patchset: patchsets.patchset, revision: patchsets.revision, createdAt: patchsets.createdAt })
    .from(patchsets)
    .where(eq(patchsets.changeNumber, number))
    .orderBy(asc(patchsets.patchset))
    .all();
  const itemRows = db.select().from(queueItems).where(eq(queueItems.changeNumber, number)).orderBy(desc(queueItems.enqueuedAt), desc(queueItems.id)).limit(MAX_ITEMS).all();
  if (!change && itemRows.length === 0) return null;
  const ids = itemRows.map((i) => i.id);
  const setRows = ids.length ? db.select().from(buildsets).where(inArray(buildsets.itemId, ids)).orderBy(asc(buildsets.createdAt)).all() : [];
  const buildRows = ids.length ? db.select(BUILD_COLUMNS).from(builds).where(inArray(builds.itemId, ids)).orderBy(asc(builds.queuedAt), asc(builds.id)).all() : [];
  const setsOf = groupBy(setRows, (s) => s.itemId);
  const buildsOf = groupBy(buildRows, (b) => b.itemId);
  const items = itemRows.map((i) => ({
    id: i.id,
    pipeline: i.pipeline,
    queue: i.queue,
    project: i.project,
    patchset: i.patchset,
    enqueuedAt: i.enqueuedAt,
    state: i.state,
    result: i.result,
    reason: i.reason,
    reportedAt: i.reportedAt,
    buildsets: itemBuildsets(setsOf.get(i.id) ?? [], buildsOf.get(i.id) ?? []),
  }));
  return { change, patchsets: sets, items };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** The item's buildsets with their builds; a build whose buildset row is missing still shows, under its id. */
function itemBuildsets(sets: (typeof buildsets.$inferSelect)[], rows: (ChangeBuild & { buildsetId: string; itemId: string })[]): ChangeBuildset[] {
  const out: ChangeBuildset[] = sets.map((s) => ({ id: s.id, result: s.result, createdAt: s.createdAt, finishedAt: s.finishedAt, builds: [] }));
  for (const b of rows) {
    let set = out.find((s) => s.id === b.buildsetId);
    if (!set) {
      set = { id: b.buildsetId, result: null, createdAt: null, finishedAt: null, builds: [] };
      out.push(set);
    }
    const { buildsetId: _set, itemId: _item, ...build } = b;
    set.builds.push(build);
  }
  return out;
}
