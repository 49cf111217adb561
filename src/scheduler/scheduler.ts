import { Core } from "./core.ts";
import { applyEvent } from "./events.ts";
import { type ResolvedPipeline, resolveLayout } from "./layout.ts";
import { startBuilds } from "./start.ts";
import type { QueueState, SchedulerState } from "./state.ts";
import type { Command, Layout, SchedulerEvent, SchedulerOptions } from "./types.ts";
import { buildView, type SchedulerView } from "./view.ts";
import { walkQueue } from "./walk.ts";

/** More passes than this over the queues for one event means the walk does not converge: a bug. */
const MAX_PASSES = 10_000;

/**
 * The pure scheduler core shared by `gatebox serve` and `gatebox simulate`.
 *
 * Contract:
 * - `handle(event, now)` applies one event at clock value `now` (seconds), processes every queue
 *   until nothing changes, starts waiting builds within capacity, and returns the commands to carry
 *   out, in order. No I/O, no timers, no clock reads: the same events and times give the same
 *   commands (ids are allocated from counters in the state).
 * - One event at a time; not re-entrant. Completions (merge-done, build-finished, submit-done, ...)
 *   come back as later events. Stale completions (for a state that has since changed) are ignored,
 *   so delivering one late or twice is harmless.
 * - `toJSON()` is the complete state; `Scheduler.fromJSON(layout, json)` restores it exactly (the
 *   server stores it after each event). Commands already returned are not replayed on restore: the
 *   server must have recorded them before acting on them.
 */
export class Scheduler {
  private readonly core: Core;

  constructor(layout: Layout, options: SchedulerOptions = {}, state?: SchedulerState) {
    const capacity = options.capacity ?? Number.POSITIVE_INFINITY;
    if (!(capacity >= 1)) throw new Error(`scheduler: capacity must be at least 1, got ${capacity}`);
    const resolved = resolveLayout(layout, capacity);
    const fresh = withQueues(state ?? emptyState(), resolved);
    this.core = new Core(resolved, fresh, capacity, options.lazyMerges ?? true);
  }

  handle(event: SchedulerEvent, now: number): Command[] {
    const core = this.core;
    core.now = now;
    core.out = [];
    applyEvent(core, event);
    settle(core);
    startBuilds(core);
    const out = core.out;
    core.out = [];
    return out;
  }

  toJSON(): SchedulerState {
    return structuredClone(this.core.state);
  }

  /**
   * The state itself, not a copy: what `toJSON()` copies, for a caller that serializes it at once
   * (the driver's snapshot after each event, where a deep copy per event was pure garbage). Never
   * keep it or change it.
   */
  liveState(): Readonly<SchedulerState> {
    return this.core.state;
  }

  static fromJSON(layout: Layout, json: unknown, options: SchedulerOptions = {}): Scheduler {
    const s = json as Partial<SchedulerState> | null;
    if (!s || typeof s !== "object" || s.version !== 1 || !Array.isArray(s.queues) || !Array.isArray(s.merged)) {
      throw new Error("scheduler: not a version-1 scheduler state");
    }
    const state = structuredClone(s as SchedulerState);
    // Snapshots written before the one result vocabulary called a cancelled job CANCELLED.
    for (const q of state.queues) {
      for (const item of q.items) for (const run of item.buildset?.jobs ?? []) if ((run.status as string) === "CANCELLED") run.status = "ABORTED";
    }
    return new Scheduler(layout, options, state);
  }

  /** Whether the change is known merged (by a submit-done or a change-merged event). */
  isMerged(changeId: string): boolean {
    return this.core.merged.has(changeId);
  }

  /** Read-only status of every queue (see view.ts). */
  view(): SchedulerView {
    return buildView(this.core);
  }
}

function settle(core: Core): void {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = false;
    for (const p of core.layout) {
      for (const { key } of p.queues) {
        const q = core.queues.get(key);
        if (q && walkQueue(core, p, q)) changed = true;
      }
    }
    if (!changed) return;
  }
  throw new Error("scheduler: queue processing did not converge (this is a bug)");
}

function emptyState(): SchedulerState {
  return { version: 1, nextItemId: 1, nextBuildsetId: 1, nextMergeId: 1, nextBuildId: 1, queues: [], merged: [], running: 0 };
}

/** Adds the layout's queues missing from the state (new layout or fresh state), in layout order. */
function withQueues(state: SchedulerState, layout: ResolvedPipeline[]): SchedulerState {
  const have = new Map(state.queues.map((q) => [q.key, q]));
  const ordered: QueueState[] = [];
  for (const p of layout) {
    for (const { key, name } of p.queues) {
      ordered.push(have.get(key) ?? { key, name, pipeline: p.name, items: [], window: p.window.window, busy: 0 });
      have.delete(key);
    }
  }
  // Queues the layout no longer has keep their items (visible, never processed) rather than vanish.
  state.queues = [...ordered, ...have.values()];
  return state;
}
