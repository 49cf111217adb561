import type { BuildOutcome } from "../executor/executor.ts";
import type { RepoState } from "../merger/types.ts";
import type { BuildResult, Command, Layout, SchedulerEvent, SchedulerView } from "../scheduler/index.ts";
import type { StateChange } from "./jobs.ts";
import type { ParkedChange } from "./parked.ts";

/** A finished merge the driver holds while builds may need it: its item, state and changes. */
export interface HeldMerge {
  itemId: number;
  state: RepoState;
  /** The state's changes in merge order (absent in snapshots written before builds were told). */
  changes?: StateChange[];
}

/** What the driver needs of the scheduler core (src/scheduler): one event in, commands out. */
export interface SchedulerPort {
  handle(event: SchedulerEvent, now: number): Command[];
  toJSON(): unknown;
  /** The state without a copy, to serialize at once (never kept, never changed). */
  liveState(): unknown;
  /** The queue (key) an item is in, for the history; undefined once it left. */
  queueOf(itemId: number): string | undefined;
  isEnqueued(pipeline: string, changeId: string): boolean;
  /** The change is known merged (a submit of ours, or a change-merged event). */
  isMerged(changeId: string): boolean;
  /** Every queue the layout has, with its items. */
  view(): SchedulerView;
  /** The same state under a new layout (a config reload); throws, keeping the old one, when refused. */
  relayout(layout: Layout, capacity?: number): void;
}

/** What one handled input did, for observers (metrics): the event and the commands it caused. */
export interface DriverStep {
  /** Seconds. */
  now: number;
  /** null: the driver resumed after a restart, and `commands` are those still in flight (or `retry` is set). */
  event: SchedulerEvent | null;
  commands: readonly Command[];
  /** An enqueue the scheduler took (the change was not in that pipeline before). */
  entered: boolean;
  /** build-finished: what the executor said (absent when the driver ended the build itself, as ERROR). */
  outcome?: BuildOutcome;
  /** build-finished: failed runs of the build that were run again first (`retry-flaky`). */
  retried?: number;
  /** A failed run that is run again on the same state (`event` is null; the scheduler heard nothing). */
  retry?: { buildId: number; pipeline: string; job: string; result: BuildResult };
}

/** Hears every step of the driver; must be quick and must not throw (a throw is logged). */
export type DriverObserver = (step: DriverStep) => void;

/** Everything the driver must remember across a crash, saved with every event it handles. */
export interface DriverSnapshot {
  version: 1;
  core: unknown;
  /** Finished merges still referenced: mergeId → the item and its speculative state. */
  merges: Record<string, HeldMerge>;
  /** Commands handed out and not yet completed: re-run (or reattached) after a restart. */
  outstanding: Command[];
  /** Changes waiting to enter a dependent pipeline behind their dependencies (absent in older snapshots). */
  parked?: ParkedChange[];
}

/** The key of a command in the driver's outstanding list (one merge, build or report each). */
export function keyOf(cmd: Command): string {
  switch (cmd.type) {
    case "merge":
      return `merge:${cmd.mergeId}`;
    case "start-build":
    case "cancel-build":
      return `build:${cmd.buildId}`;
    case "report":
      return `report:${cmd.itemId}`;
    default:
      return `${cmd.type}:${cmd.itemId}`;
  }
}

