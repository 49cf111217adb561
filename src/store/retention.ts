import { and, inArray, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { builds, buildsets, events, queueItems } from "./schema.ts";

/** How many rows of each kind `pruneRecords` deleted. */
export interface PrunedRecords {
  builds: number;
  buildsets: number;
  items: number;
  events: number;
}

/**
 * Deletes the history older than `before` (unix seconds), in one transaction: builds that ended,
 * buildsets that have a result, queue items that left their queue, and events. Nothing that is
 * still under way is touched whatever its age (a build still queued or running, an item still in
 * its queue); changes and patchsets stay (they are small, and name what the pages link to). The
 * driver's recovery reads its snapshot, not old events, so pruning events loses no state.
 */
export function pruneRecords(db: Db, before: number): PrunedRecords {
  const ended = and(inArray(builds.state, ["finished", "cancelled"]), isNotNull(builds.finishedAt), lt(builds.finishedAt, before));
  const decided = and(isNotNull(buildsets.result), isNotNull(buildsets.finishedAt), lt(buildsets.finishedAt, before));
  const left = and(
    inArray(queueItems.state, ["reported", "dequeued", "merged"]),
    lt(sql`coalesce(${queueItems.reportedAt}, ${queueItems.enqueuedAt})`, before),
  );
  const old = lt(events.at, before);
  let out: PrunedRecords = { builds: 0, buildsets: 0, items: 0, events: 0 };
  db.transaction((tx) => {
    const count = (table: typeof builds | typeof buildsets | typeof queueItems | typeof events, where: SQL | undefined) =>
      tx.select({ n: sql<number>`count(*)` }).from(table).where(where).get()?.n ?? 0;
    out = { builds: count(builds, ended), buildsets: count(buildsets, decided), items: count(queueItems, left), events: count(events, old) };
    tx.delete(builds).where(ended).run();
    tx.delete(buildsets).where(decided).run();
    tx.delete(queueItems).where(left).run();
    tx.delete(events).where(old).run();
  });
  return out;
}
