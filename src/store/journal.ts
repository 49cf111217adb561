import { and, eq, isNull, sql } from "drizzle-orm";
import type { BuildOutcome } from "../executor/executor.ts";
import type { Change, Command } from "../scheduler/index.ts";
import { isChangeMeta } from "../sources/source.ts";
import type { Db } from "./db.ts";
import { builds, buildsets, changes, events, patchsets, queueItems, schedulerState } from "./schema.ts";

/**
 * The driver's journal: the history the web reads (changes, queue items, buildsets, builds, events)
 * and the driver's snapshot. The driver writes everything one input causes inside one `transaction`,
 * before acting on it, so history and the snapshot never disagree and a crash can be resumed from.
 */
export class Journal {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one SQLite transaction (all of it is written, or none). */
  transaction(fn: () => void): void {
    this.db.transaction(fn);
  }

  /** The snapshot saved last, parsed; undefined on a fresh store. */
  loadSnapshot(): unknown {
    const row = this.db.select().from(schedulerState).where(eq(schedulerState.id, 1)).get();
    return row ? (JSON.parse(row.snapshot) as unknown) : undefined;
  }

  /** Replaces the snapshot; `lastSeq` the event it follows (null: the one saved before). */
  saveSnapshot(snapshot: unknown, lastSeq: number | null, now: number): void {
    const text = JSON.stringify(snapshot);
    const prev = this.db.select({ seq: schedulerState.lastEventSeq }).from(schedulerState).where(eq(schedulerState.id, 1)).get();
    const seq = lastSeq ?? prev?.seq ?? 0;
    this.db
      .insert(schedulerState)
      .values({ id: 1, lastEventSeq: seq, snapshot: text, updatedAt: now })
      .onConflictDoUpdate({ target: schedulerState.id, set: { lastEventSeq: seq, snapshot: text, updatedAt: now } })
      .run();
  }

  event(at: number, kind: string, payload: unknown): number {
    const row = this.db.insert(events).values({ at, kind, payload: JSON.stringify(payload) }).returning({ seq: events.seq }).get();
    return row.seq;
  }

  command(cmd: Command, now: number, queueOf: (itemId: number) => string): void {
    switch (cmd.type) {
      case "merge": {
        const item = cmd.changes.at(-1);
        if (item) this.item(String(cmd.itemId), cmd.pipeline, cmd.queue, item, now, "active");
        // A new state for the item: the buildsets it had before were thrown away by a reset
        // (not so for a hedge: a second state beside the item's own, adaptive strategy).
        if (!cmd.alternative) {
          this.db
            .update(buildsets)
            .set({ result: "RESET", finishedAt: now })
            .where(and(eq(buildsets.itemId, String(cmd.itemId)), isNull(buildsets.result)))
            .run();
        }
        const state = cmd.changes.map((c) => ({ id: c.id, project: c.project, meta: c.meta ?? null }));
        this.db
          .insert(buildsets)
          .values({ id: String(cmd.buildsetId), itemId: String(cmd.itemId), pipeline: cmd.pipeline, state: JSON.stringify(state), createdAt: now })
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
            buildsetId: String(cmd.buildsetId),
            itemId: String(cmd.itemId),
            pipeline: cmd.pipeline,
            project: row?.project ?? "",
            changeNumber: row?.changeNumber ?? null,
            job: cmd.job,
            state: "queued",
            queuedAt: now,
          })
          .onConflictDoNothing()
          .run();
        return;
      }
      case "cancel-build":
        this.db.update(builds).set({ state: "cancelled", result: "ABORTED", finishedAt: now }).where(eq(builds.id, String(cmd.buildId))).run();
        return;
      case "report": {
        this.item(String(cmd.itemId), cmd.pipeline, queueOf(cmd.itemId), cmd.change, cmd.enqueuedAt, "reported");
        this.db
          .update(queueItems)
          .set({ result: String(cmd.result), reason: cmd.reason, reportedAt: now, state: "reported" })
          .where(eq(queueItems.id, String(cmd.itemId)))
          .run();
        if (cmd.buildsetId !== null) {
          this.db
            .update(buildsets)
            .set({ result: buildsetResult(cmd.result), finishedAt: now })
            .where(eq(buildsets.id, String(cmd.buildsetId)))
            .run();
        }
        return;
      }
      case "dequeue":
        this.db
          .update(queueItems)
          .set({ state: cmd.merged ? "merged" : "dequeued" })
          .where(eq(queueItems.id, String(cmd.itemId)))
          .run();
        // A buildset still without a result was under way when the item left.
        this.db
          .update(buildsets)
          .set({ result: "DEQUEUED", finishedAt: now })
          .where(and(eq(buildsets.itemId, String(cmd.itemId)), isNull(buildsets.result)))
          .run();
        if (cmd.merged) this.changeStatus(cmd.changeId, "MERGED", now);
        return;
      case "reset":
        return;
    }
  }

  /**
   * A change and its patchset as last seen by a trigger (for the change pages and history):
   * `status` NEW when it entered a pipeline open, MERGED when a post pipeline took it merged.
   */
  change(change: Change, now: number, status: "NEW" | "MERGED" = "NEW"): void {
    const meta = change.meta;
    if (!isChangeMeta(meta)) return;
    const row = {
      number: meta.number,
      project: change.project,
      branch: change.branch,
      changeId: meta.changeId,
      subject: meta.subject,
      owner: meta.owner,
      url: meta.url,
      status,
      updatedAt: now,
    };
    this.db
      .insert(changes)
      .values(row)
      .onConflictDoUpdate({ target: [changes.connection, changes.number], set: { subject: row.subject, owner: row.owner, url: row.url, branch: row.branch, status, updatedAt: now } })
      .run();
    this.db
      .insert(patchsets)
      .values({ changeNumber: meta.number, patchset: meta.patchset, revision: meta.revision, ref: meta.ref, createdAt: now })
      .onConflictDoNothing()
      .run();
  }

  /** The change's status as gatebox last learned it (NEW, MERGED, ABANDONED). */
  changeStatus(changeId: string, status: "NEW" | "MERGED" | "ABANDONED", now: number): void {
    const number = Number(changeId);
    if (!Number.isSafeInteger(number)) return;
    this.db.update(changes).set({ status, updatedAt: now }).where(eq(changes.number, number)).run();
  }

  mergeDone(buildsetId: number, commits: unknown): void {
    this.db.update(buildsets).set({ commits: JSON.stringify(commits) }).where(eq(buildsets.id, String(buildsetId))).run();
  }

  /** The build got an executor slot and its container: where it runs. */
  buildStarted(buildId: number, at: number, where: { executor: string; containerId: string | null }): void {
    this.db
      .update(builds)
      .set({ state: "running", startedAt: at, executor: where.executor, containerId: where.containerId })
      .where(and(eq(builds.id, String(buildId)), isNull(builds.finishedAt)))
      .run();
  }

  /** A run of the build failed and it runs again on the same state (`retry-flaky`): counted, not ended. */
  buildRetried(buildId: number): void {
    this.db
      .update(builds)
      .set({ flakyRetries: sql`${builds.flakyRetries} + 1` })
      .where(and(eq(builds.id, String(buildId)), isNull(builds.finishedAt)))
      .run();
  }

  buildFinished(buildId: number, outcome: BuildOutcome): void {
    this.db
      .update(builds)
      .set({
        state: outcome.result === "ABORTED" ? "cancelled" : "finished",
        result: outcome.result,
        // Failed, then passed when run again on the same state: flaky.
        flaky: outcome.result === "SUCCESS" ? sql`${builds.flakyRetries} > 0` : false,
        attempt: Math.max(1, outcome.attempts),
        // When the container started (build-started), else when the build got its slot.
        startedAt: sql`coalesce(${builds.startedAt}, ${outcome.startedAt === null ? null : outcome.startedAt / 1000})`,
        finishedAt: outcome.finishedAt / 1000,
      })
      .where(eq(builds.id, String(buildId)))
      .run();
  }

  private item(id: string, pipeline: string, queue: string, change: Change, enqueuedAt: number, state: string): void {
    const meta = isChangeMeta(change.meta) ? change.meta : null;
    this.db
      .insert(queueItems)
      .values({
        id,
        pipeline,
        queue,
        project: change.project,
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

/** A buildset's result in Zuul's words, from the item's report. */
function buildsetResult(result: Extract<Command, { type: "report" }>["result"]): string {
  switch (result) {
    case 1:
      return "SUCCESS";
    case -1:
      return "FAILURE";
    case "merge-conflict":
      return "MERGE_CONFLICT";
    case "merge-failure":
      return "MERGE_FAILURE";
    case "dequeued":
      return "DEQUEUED";
    case "error":
      return "ERROR";
  }
}
