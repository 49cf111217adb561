/**
 * The public vocabulary of the scheduler core: the layout it schedules, the events fed in and the
 * commands it emits. Everything here is plain JSON-able data so the server can log, store and
 * replay it. The core never imports from other rooms; other rooms import these types.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type ManagerKind = "independent" | "dependent" | "serial";
export type WindowChange = "linear" | "exponential";
/**
 * How a dependent pipeline chooses what to test (docs/strategy.md). `zuul` (default): Zuul's NNFI
 * with its AIMD window, exactly. `adaptive`: NNFI that fills idle executors, lands what a passing
 * state holds, batches and bisects when executors are scarce, and hedges past risky items.
 */
export type Strategy = "zuul" | "adaptive";

/** Active-window parameters of a dependent pipeline (FORMAT.md "Window"). */
export interface WindowParams {
  /** Initial window; 0 = unlimited. Used as given even if outside floor/ceiling. */
  window: number;
  floor: number;
  /**
   * null = no ceiling. Absent: a `zuul` gate with finite capacity gets the default one
   * (`defaultCeiling`, window.ts), others none; a resolved layout always has a number or null.
   */
  ceiling?: number | null;
  increaseType: WindowChange;
  increaseFactor: number;
  decreaseType: WindowChange;
  decreaseFactor: number;
}

export interface PipelineLayout {
  name: string;
  manager: ManagerKind;
  /** Ignored by `independent` (no window) and `serial` (always exactly 1). */
  window?: Partial<WindowParams>;
  /** Dependent pipelines only (default `zuul`); `independent` and `serial` ignore it. */
  strategy?: Strategy;
}

export interface ProjectPipelineLayout {
  /** Dependent/serial only: projects naming the same queue share one change queue (default: own). */
  queue?: string;
  /** Jobs in start order. */
  jobs: string[];
  /** Cancel an item's other builds as soon as one voting build fails. */
  failFast?: boolean;
}

export interface ProjectLayout {
  name: string;
  /** Pipeline name → what this project runs there. A project absent from a pipeline is not enqueued. */
  pipelines: Record<string, ProjectPipelineLayout>;
}

export interface JobLayout {
  name: string;
  /** Default true. A non-voting failure never fails an item. */
  voting?: boolean;
  /** Jobs that must succeed first in the same buildset; ones the project does not run are ignored. */
  dependencies?: string[];
}

export interface Layout {
  /** Order matters: queues are processed, and waiting builds started, pipeline by pipeline. */
  pipelines: PipelineLayout[];
  /** Order matters: queues are ordered by the first project that names them. */
  projects: ProjectLayout[];
  jobs: JobLayout[];
}

/** A change as the source sees it. `id` is its stable identity (e.g. the Gerrit change number). */
export interface Change {
  id: string;
  project: string;
  branch: string;
  /** Depends-On: ids of changes that must merge first. */
  dependsOn: string[];
  /** Opaque to the core (patchset, refs, ...), passed through to commands. */
  meta?: JsonValue;
  /**
   * Adaptive strategy only: the probability (0..1) that this change fails the gate by itself, from
   * what the source knows (its check result, the recent failure rate of its jobs). Absent: the
   * queue's measured failure rate. Never decides a result, only what is tested first.
   */
  risk?: number;
}

/**
 * How a build ended, in Zuul's words; the one vocabulary from the runner to the store, the API and
 * the page. Only FAILURE and TIMED_OUT are the change's fault. RETRY_LIMIT: the infrastructure
 * failed on every attempt; ERROR: the build could not be run at all (e.g. its workspace could not
 * be made); both are ours, never voted on. ABORTED: cancelled (a reset, a dequeue, a new patchset).
 */
export type BuildResult = "SUCCESS" | "FAILURE" | "TIMED_OUT" | "RETRY_LIMIT" | "ERROR" | "ABORTED";

export type SchedulerEvent =
  /** `needs`: change records of dependencies (independent pipelines merge them into the state). */
  | { type: "enqueue"; pipeline: string; change: Change; needs?: Change[] }
  /** Dequeue the change from every pipeline ("dequeued"). */
  | { type: "abandon"; changeId: string }
  /** The old patchset leaves every pipeline ("dequeued"); the source enqueues the new one itself. */
  | { type: "new-patchset"; changeId: string }
  | { type: "dequeue"; pipeline: string; changeId: string }
  | { type: "promote"; pipeline: string; changeId: string }
  /** Merged outside the gate (or by another pipeline): dependencies on it are satisfied. */
  | { type: "change-merged"; changeId: string }
  | { type: "merge-done"; mergeId: number }
  /** `infra`: the merger could not do its work (git fetch, disk): not the change's fault, never voted. */
  | { type: "merge-failed"; mergeId: number; reason?: string; infra?: boolean }
  | { type: "build-started"; buildId: number }
  | { type: "build-finished"; buildId: number; result: BuildResult }
  | { type: "build-cancelled"; buildId: number }
  | { type: "submit-done"; itemId: number }
  | { type: "submit-failed"; itemId: number; reason?: string };

export type ReportResult = 1 | -1 | "merge-conflict" | "merge-failure" | "dequeued" | "error";

/** SKIPPED: a job it depends on did not succeed, so it never ran. */
export type JobStatus = "waiting" | "running" | BuildResult | "SKIPPED";

export interface JobReport {
  job: string;
  voting: boolean;
  status: JobStatus;
  buildId: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

export type Command =
  /** Build the speculative state: `changes` in order (non-failing items ahead, then the item). */
  /** `buildsetId`: the buildset this state is for (one merge per buildset: the ids differ only in name). */
  /**
   * Adaptive only, `alternative: true`: a hedge, a second state for the same item (without a risky
   * change ahead of it) tested beside its main one: the item's other buildsets are not reset by it.
   */
  | {
      type: "merge";
      mergeId: number;
      buildsetId: number;
      itemId: number;
      pipeline: string;
      queue: string;
      changes: Change[];
      alternative?: boolean;
    }
  /**
   * Run `job` on the workspace of merge `mergeId`; `state` lists its change ids in merge order.
   * Adaptive only, `covers`: the change ids this build tests on behalf of (a batch: several; else
   * the item's own), for whoever attributes a failure; the rest of the state is tested elsewhere.
   */
  | {
      type: "start-build";
      buildId: number;
      buildsetId: number;
      itemId: number;
      pipeline: string;
      job: string;
      mergeId: number;
      state: string[];
      covers?: string[];
    }
  /** Cancel a running build; its completion, if it still arrives, is discarded. */
  | { type: "cancel-build"; buildId: number; itemId: number; job: string }
  /**
   * The item's result. `submit: true` (dependent/serial success): submit the change, then answer
   * with submit-done / submit-failed; the item counts as merged only after submit-done.
   * `state`: the change ids its reported builds were tested on (null when it never had one), and
   * `buildsetId` the buildset they belong to.
   * Adaptive only: `mergeId`, the merge of that buildset (its tree); `provedBy`, set when a success
   * was proven by the passing buildset of another item behind it (a batch, or a passing state that
   * holds the items ahead): `state` then goes on past this change, and the tree this submit leaves
   * on the branch is an intermediate one; the last change of the group lands the tested tree.
   */
  | {
      type: "report";
      itemId: number;
      pipeline: string;
      change: Change;
      result: ReportResult;
      reason: string;
      submit: boolean;
      state: string[] | null;
      buildsetId: number | null;
      jobs: JobReport[];
      enqueuedAt: number;
      mergeId?: number;
      provedBy?: { itemId: number; changeId: string };
    }
  /** The item left its queue (merged, reported, or removed). */
  | { type: "dequeue"; itemId: number; pipeline: string; changeId: string; merged: boolean }
  /**
   * Informational: the item's started builds were discarded because its state changed. `discarded`:
   * the builds thrown away (cancelled ones also get a cancel-build); `completed`: how many of them
   * had already finished.
   */
  | { type: "reset"; itemId: number; pipeline: string; changeId: string; discarded: number[]; completed: number };

export interface SchedulerOptions {
  /** Builds that may run at once across everything this scheduler runs (default unlimited). */
  capacity?: number;
  /**
   * Default true: a gate asks for an item's merge only when an executor is within reach of it
   * (reach.ts). false: every item inside the window gets its merge at once, as the core did before
   * (benchmarks and the comparison test measure one against the other).
   */
  lazyMerges?: boolean;
}
