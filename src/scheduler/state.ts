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
}

export interface QueueState {
  key: string;
  name: string;
  pipeline: string;
  items: Item[];
  window: number;
  /** How many items have a buildset: lets the walk stop at the first idle item past the window. */
  busy: number;
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
