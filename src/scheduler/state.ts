import type { Change, JobStatus } from "./types.ts";

/**
 * The scheduler's complete state as plain data: no object references between records (items point
 * at each other by id), so `JSON.stringify` is a faithful snapshot and restoring is a parse plus
 * rebuilding the lookup indexes.
 */

export interface JobRun {
  name: string;
  status: JobStatus;
  buildId: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

/** One attempt at testing an item: a speculative state (merge) and the builds run on it. */
export interface Buildset {
  id: number;
  mergeId: number;
  /** `conflict`: the change's fault; `error`: the merger's (infrastructure). */
  merge: "pending" | "done" | "conflict" | "error";
  mergeReason: string | null;
  /** The item this state was built on (its item ahead) and that item's buildset at the time. */
  aheadItem: number | null;
  aheadBuildset: number | null;
  /** Change ids in merge order: the non-failing items ahead, then the item itself. */
  state: string[];
  jobs: JobRun[];
  /** Adaptive: the item's link token when this state was made (valid while the token is unchanged). */
  link?: number;
  /** Adaptive: the change ids it tests on behalf of (the item, or a batch ending with it). */
  covers?: string[];
  /** Adaptive hedge: the change left out of this state. */
  without?: string;
  /** Adaptive hedge: how many changes were merged (`SchedulerState.merged`) when it was made. */
  base?: number;
  /** Adaptive: its failure told which range holds a bad change, so dropping it wastes nothing. */
  used?: boolean;
}

/**
 * Adaptive: where an item sits in the chain of non-failing items. `token` changes whenever what is
 * ahead of it changes, so a state made on an older token is stale (what Zuul's aheadBuildset does
 * for items that have a buildset, for every item, riders of a batch included).
 */
export interface Link {
  ahead: number | null;
  aheadToken: number | null;
  token: number;
}

/** Adaptive: what a queue measured and chose (docs/strategy.md). */
export interface AdaptiveQueue {
  /** Failure rate: exponentially weighted share of decided items that failed by their own fault. */
  rate: number;
  /** Decided items seen (the weight of the measurement grows with it, up to a cap). */
  decided: number;
  mode: "nnfi" | "batch" | "hedge";
  reason: string;
  /** Items per buildset when batching (1 otherwise). */
  batch: number;
  /** Job name → how long its builds took lately (seconds), to tell when a result is due. */
  durations?: Record<string, number>;
  /** Hedges placed by the last plan (for the status page). */
  hedges?: number;
  /** What the reason was last written for (it is rewritten only when that changes). */
  shown?: string;
}

export interface Item {
  id: number;
  pipeline: string;
  queueKey: string;
  change: Change;
  /** Independent pipelines: unmerged dependencies (transitively), merged into the state first. */
  needs: Change[];
  enqueuedAt: number;
  /** null while the item has nothing under way (outside the window, or just reset). */
  buildset: Buildset | null;
  /** A change it depends on is failing: builds cancelled, it leaves with that change. */
  depFailing: boolean;
  /** Cached by the last queue walk: failing items are skipped when choosing the item ahead. */
  failing: boolean;
  /** Reported success with submit: waiting for submit-done / submit-failed. */
  submitting: boolean;
  /** Set by promote: the next walk resets the item whatever its item ahead. */
  forceReset: boolean;
  /** Adaptive: its place in the chain. */
  link?: Link;
  /** Adaptive: alternative states (hedges) beside `buildset`. */
  hedges?: Buildset[];
}

export interface QueueState {
  key: string;
  name: string;
  pipeline: string;
  items: Item[];
  window: number;
  /** How many items have a buildset: lets the walk stop at the first idle item past the window. */
  busy: number;
  /** Adaptive strategy only. */
  adaptive?: AdaptiveQueue;
}

export interface SchedulerState {
  version: 1;
  nextItemId: number;
  nextBuildsetId: number;
  nextMergeId: number;
  nextBuildId: number;
  queues: QueueState[];
  /** Change ids known to be merged (by our submits or change-merged events), in merge order. */
  merged: string[];
  /** Builds started and neither finished nor cancelled. */
  running: number;
  /** Adaptive: the next link token. */
  nextLinkId?: number;
}

export const TERMINAL: ReadonlySet<JobStatus> = new Set<JobStatus>([
  "SUCCESS",
  "FAILURE",
  "TIMED_OUT",
  "RETRY_LIMIT",
  "ERROR",
  "ABORTED",
  "SKIPPED",
]);
