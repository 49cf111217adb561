import { Scheduler } from "../scheduler/index.ts";
import type { Command, Layout, SchedulerEvent, SchedulerOptions, SchedulerView } from "../scheduler/index.ts";
import { isChangeMeta } from "../sources/source.ts";
import type { SchedulerPort } from "./driver.ts";

/** The real scheduler core behind the driver's port, with the lookups the driver needs. */
export class CorePort implements SchedulerPort {
  private viewCache: SchedulerView | null = null;

  constructor(
    private scheduler: Scheduler,
    private options: SchedulerOptions = {},
  ) {}

  static create(layout: Layout, options: SchedulerOptions, saved?: unknown): CorePort {
    return new CorePort(saved === undefined ? new Scheduler(layout, options) : Scheduler.fromJSON(layout, saved, options), options);
  }

  /**
   * A new layout (a config reload): the same state, restored under it. Items of queues the layout
   * no longer has stay in the state, unprocessed, until they are dequeued (reload.ts). On a
   * layout the core refuses, it throws and the old one stays.
   */
  relayout(layout: Layout, capacity?: number): void {
    if (capacity !== undefined) this.options = { ...this.options, capacity };
    this.scheduler = Scheduler.fromJSON(layout, this.scheduler.toJSON(), this.options);
    this.viewCache = null;
  }

  handle(event: SchedulerEvent, now: number): Command[] {
    this.viewCache = null;
    return this.scheduler.handle(event, now);
  }

  toJSON(): unknown {
    return this.scheduler.toJSON();
  }

  liveState(): unknown {
    return this.scheduler.liveState();
  }

  /** The status (cached until the next event). */
  view(): SchedulerView {
    this.viewCache ??= this.scheduler.view();
    return this.viewCache;
  }

  queueOf(itemId: number): string | undefined {
    for (const p of this.view().pipelines) for (const q of p.queues) if (q.items.some((i) => i.itemId === itemId)) return q.name;
    return undefined;
  }

  enqueuedPatchsets(changeId: string): number[] {
    const out: number[] = [];
    for (const p of this.view().pipelines) {
      for (const q of p.queues) {
        for (const i of q.items) {
          if (i.change.id === changeId && isChangeMeta(i.change.meta)) out.push(i.change.meta.patchset);
        }
      }
    }
    return out;
  }

  isMerged(changeId: string): boolean {
    return this.scheduler.isMerged(changeId);
  }

  isEnqueued(pipeline: string, changeId: string): boolean {
    const p = this.view().pipelines.find((x) => x.name === pipeline);
    return p?.queues.some((q) => q.items.some((i) => i.change.id === changeId)) ?? false;
  }
}
