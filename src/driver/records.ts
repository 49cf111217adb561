import { eq } from "drizzle-orm";
import type { BuildOutcome } from "../executor/executor.ts";
import type { Command } from "../scheduler/types.ts";
import type { Db } from "../store/db.ts";
import type { Change } from "../scheduler/types.ts";
import { builds, buildsets, changes, events, patchsets, queueItems } from "../store/schema.ts";
import type { ChangeMeta } from "./triggers.ts";

/**
 * Writes the history the web reads (queue items, buildsets, builds) from the scheduler's commands
 * and the executor's outcomes. Called inside the driver's transaction for the event that caused
 * them, so history and the scheduler's snapshot never disagree.
 */
export class Records {
  constructor(private readonly db: Db) {}

  event(at: number, kind: string, payload: unknown): number {
    const row = this.db.insert(events).values({ at, kind, payload: JSON.stringify(payload) }).returning({ seq: events.seq }).get();
    return row.seq;
  }

  command(cmd: Command, now: number, queueOf: (itemId: number) => string): void {
    switch (cmd.type) {
      case "merge": {
        const item = cmd.changes.at(-1);
        if (item) this.item(String(cmd.itemId), cmd.pipeline, cmd.queue, item.project, item.meta as ChangeMeta | undefined, now, "active");
        this.db
          .insert(buildsets)
          .values({ id: String(cmd.mergeId), itemId: String(cmd.itemId), pipeline: cmd.pipeline, state: JSON.stringify(cmd.changes.map((c) => ({ id: c.id, project: c.project, meta: c.meta ?? null }))), createdAt: now })
          .onConflictDoNothing()
          .run();
        return;
      }
      case "start-build": {
        const row = this.db.select().from(queueItems).where(eq(queueItems.id, String(cmd.itemId))).get();
        this.db
          .insert(builds)
          .values({
            id: String(cmd.buildId),
            buildsetId: String(cmd.mergeId),
            itemId: String(cmd.itemId),
            pipeline: cmd.pipeline,
            project: row?.project ?? "",
            changeNumber: row?.changeNumber ?? null,
            job: cmd.job,
            state: "running",
            queuedAt: now,
            startedAt: now,
          })
          .onConflictDoNothing()
          .run();
        return;
      }
      case "cancel-build":
        this.db.update(builds).set({ state: "cancelled", result: "ABORTED", finishedAt: now }).where(eq(builds.id, String(cmd.buildId))).run();
        return;
      case "report": {
        const meta = cmd.change.meta as ChangeMeta | undefined;
        this.item(String(cmd.itemId), cmd.pipeline, queueOf(cmd.itemId), cmd.change.project, meta, cmd.enqueuedAt, "reported");
        this.db
          .update(queueItems)
          .set({ result: String(cmd.result), reason: cmd.reason, reportedAt: now, state: "reported" })
          .where(eq(queueItems.id, String(cmd.itemId)))
          .run();
        return;
      }
      case "dequeue":
        this.db
          .update(queueItems)
          .set({ state: cmd.merged ? "merged" : "dequeued" })
          .where(eq(queueItems.id, String(cmd.itemId)))
          .run();
        return;
      case "reset":
        return;
    }
  }

  /** A change and its patchset as last seen by a trigger (for the change pages and history). */
  change(change: Change, now: number): void {
    const meta = change.meta as ChangeMeta | undefined;
    if (!meta || typeof meta.number !== "number") return;
    const row = {
      number: meta.number,
      project: change.project,
      branch: change.branch,
      changeId: meta.changeId ?? "",
      subject: meta.subject ?? "",
      owner: meta.owner ?? "",
      url: meta.url ?? "",
      updatedAt: now,
    };
    this.db
      .insert(changes)
      .values(row)
      .onConflictDoUpdate({ target: [changes.connection, changes.number], set: { subject: row.subject, owner: row.owner, url: row.url, branch: row.branch, updatedAt: now } })
      .run();
    this.db
      .insert(patchsets)
      .values({ changeNumber: meta.number, patchset: meta.patchset, revision: meta.revision, ref: meta.ref, createdAt: now })
      .onConflictDoNothing()
      .run();
  }

  mergeDone(mergeId: number, commits: unknown): void {
    this.db.update(buildsets).set({ commits: JSON.stringify(commits) }).where(eq(buildsets.id, String(mergeId))).run();
  }

  buildFinished(buildId: number, outcome: BuildOutcome): void {
    this.db
      .update(builds)
      .set({
        state: outcome.result === "ABORTED" ? "cancelled" : "finished",
        result: outcome.result,
        attempt: Math.max(1, outcome.attempts),
        startedAt: outcome.startedAt === null ? null : outcome.startedAt / 1000,
        finishedAt: outcome.finishedAt / 1000,
      })
      .where(eq(builds.id, String(buildId)))
      .run();
  }

  private item(id: string, pipeline: string, queue: string, project: string, meta: ChangeMeta | undefined, enqueuedAt: number, state: string): void {
    this.db
      .insert(queueItems)
      .values({
        id,
        pipeline,
        queue,
        project,
        changeNumber: meta?.number ?? null,
        patchset: meta?.patchset ?? null,
        ref: meta?.ref ?? null,
        enqueuedAt,
        state,
      })
      .onConflictDoNothing()
      .run();
  }
}
