import type { RepoState } from "../merger/types.ts";
import type { Command, SchedulerEvent } from "../scheduler/index.ts";
import { type DriverSnapshot, type HeldMerge, keyOf } from "./ports.ts";

/**
 * What the driver has under way, saved with every snapshot: the commands handed out and not yet
 * completed (merges, builds, reports: redone or reattached after a restart) and the finished
 * merges still referenced (merge id → the item's speculative state, for its builds and its submit).
 */
export class InFlight {
  readonly merges = new Map<number, HeldMerge>();
  readonly outstanding = new Map<string, Command>();

  constructor(snapshot?: DriverSnapshot) {
    for (const [id, m] of Object.entries(snapshot?.merges ?? {})) this.merges.set(Number(id), m);
    for (const cmd of snapshot?.outstanding ?? []) this.outstanding.set(keyOf(cmd), cmd);
  }

  /** The newest merge of an item: what its reported builds tested. */
  lastMergeOf(itemId: number): HeldMerge | undefined {
    let last: HeldMerge | undefined;
    let lastId = -1;
    for (const [id, m] of this.merges) if (m.itemId === itemId && id > lastId) [last, lastId] = [m, id];
    return last;
  }

  /** The states of the merges held: they must outlive the merger's gc. */
  liveStates(): RepoState[] {
    return [...this.merges.values()].map((m) => m.state);
  }

  /** The commands under way (of one type). */
  commands(): Command[];
  commands<T extends Command["type"]>(type: T): Extract<Command, { type: T }>[];
  commands(type?: Command["type"]): Command[] {
    return [...this.outstanding.values()].filter((c) => type === undefined || c.type === type);
  }

  /** Completions take their command off the outstanding list. */
  complete(ev: SchedulerEvent): void {
    if (ev.type === "merge-done" || ev.type === "merge-failed") this.outstanding.delete(`merge:${ev.mergeId}`);
    if (ev.type === "build-finished" || ev.type === "build-cancelled") this.outstanding.delete(`build:${ev.buildId}`);
    if (ev.type === "submit-done" || ev.type === "submit-failed") this.outstanding.delete(`report:${ev.itemId}`);
  }

  /** A command the core emitted: merges, builds and reports are under way; a dequeued item's merges go. */
  track(cmd: Command): void {
    switch (cmd.type) {
      case "merge":
      case "start-build":
      case "report":
        this.outstanding.set(keyOf(cmd), cmd);
        return;
      case "cancel-build":
        this.outstanding.delete(`build:${cmd.buildId}`);
        return;
      case "dequeue":
        for (const [id, m] of this.merges) if (m.itemId === cmd.itemId) this.merges.delete(id);
        return;
      default:
        return;
    }
  }
}
