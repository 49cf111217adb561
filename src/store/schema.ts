import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The store's tables. Times are unix seconds (REAL). Every state change of an item or build is
 * written here before it is acted on outside the process (DESIGN.md), so a crash can be recovered.
 */

export const changes = sqliteTable(
  "changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    connection: text("connection").notNull().default("gerrit"),
    number: integer("number").notNull(),
    project: text("project").notNull(),
    branch: text("branch").notNull(),
    changeId: text("change_id").notNull(),
    subject: text("subject").notNull().default(""),
    owner: text("owner").notNull().default(""),
    url: text("url").notNull().default(""),
    status: text("status").notNull().default("NEW"),
    updatedAt: real("updated_at").notNull(),
  },
  (t) => [uniqueIndex("changes_number").on(t.connection, t.number), index("changes_project").on(t.project)],
);

export const patchsets = sqliteTable(
  "patchsets",
  {
    changeNumber: integer("change_number").notNull(),
    patchset: integer("patchset").notNull(),
    revision: text("revision").notNull(),
    ref: text("ref").notNull(),
    createdAt: real("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.changeNumber, t.patchset] })],
);

export const queueItems = sqliteTable(
  "queue_items",
  {
    id: text("id").primaryKey(),
    pipeline: text("pipeline").notNull(),
    queue: text("queue").notNull(),
    project: text("project").notNull(),
    changeNumber: integer("change_number"),
    patchset: integer("patchset"),
    ref: text("ref"),
    enqueuedAt: real("enqueued_at").notNull(),
    /** waiting | active | failing | reported | dequeued */
    state: text("state").notNull(),
    result: text("result"),
    reason: text("reason"),
    reportedAt: real("reported_at"),
  },
  (t) => [index("queue_items_pipeline").on(t.pipeline, t.state), index("queue_items_change").on(t.changeNumber)],
);

export const buildsets = sqliteTable(
  "buildsets",
  {
    id: text("id").primaryKey(),
    itemId: text("item_id").notNull(),
    pipeline: text("pipeline").notNull(),
    /** JSON: the changes of the speculative state, in merge order (the item last). */
    state: text("state").notNull(),
    /** JSON: project → speculative commit, once the merger built it. */
    commits: text("commits"),
    result: text("result"),
    createdAt: real("created_at").notNull(),
    finishedAt: real("finished_at"),
  },
  (t) => [index("buildsets_item").on(t.itemId)],
);

export const builds = sqliteTable(
  "builds",
  {
    id: text("id").primaryKey(),
    buildsetId: text("buildset_id").notNull(),
    itemId: text("item_id").notNull(),
    pipeline: text("pipeline").notNull(),
    project: text("project").notNull(),
    changeNumber: integer("change_number"),
    job: text("job").notNull(),
    voting: integer("voting", { mode: "boolean" }).notNull().default(true),
    /** queued | running | finished | cancelled */
    state: text("state").notNull(),
    /** A BuildResult (src/scheduler/types.ts): SUCCESS | FAILURE | TIMED_OUT | RETRY_LIMIT | ERROR | ABORTED */
    result: text("result"),
    executor: text("executor"),
    containerId: text("container_id"),
    attempt: integer("attempt").notNull().default(1),
    /**
     * Runs of this build that failed and were run again on the same state (the job's `retry-flaky`);
     * the result is the last run's.
     */
    flakyRetries: integer("flaky_retries").notNull().default(0),
    /** It failed, then passed on a retry on the same state: the job is flaky (src/store/flaky-queries.ts). */
    flaky: integer("flaky", { mode: "boolean" }).notNull().default(false),
    queuedAt: real("queued_at").notNull(),
    startedAt: real("started_at"),
    finishedAt: real("finished_at"),
  },
  (t) => [
    index("builds_item").on(t.itemId),
    index("builds_job").on(t.job, t.finishedAt),
    index("builds_project").on(t.project, t.pipeline),
    index("builds_change").on(t.changeNumber),
  ],
);

/** A source's resume point (e.g. the Gerrit poller's watermark and per-change snapshots), as JSON. */
export const sourceCursors = sqliteTable("source_cursors", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: real("updated_at").notNull(),
});

/** Every trigger and completion event, in order: the audit trail and the input to recovery. */
export const events = sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    at: real("at").notNull(),
    kind: text("kind").notNull(),
    payload: text("payload").notNull(),
  },
  (t) => [index("events_at").on(t.at)],
);

/** The scheduler core's complete state after the last event it handled (one row per instance). */
export const schedulerState = sqliteTable("scheduler_state", {
  id: integer("id").primaryKey(),
  lastEventSeq: integer("last_event_seq").notNull(),
  snapshot: text("snapshot").notNull(),
  updatedAt: real("updated_at").notNull(),
});
