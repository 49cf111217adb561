import type { Journal } from "../store/journal.ts";
import type { Input } from "./actions.ts";
import type { HeldMerge } from "./ports.ts";
import { isBranchChange } from "./timer.ts";

/**
 * What an input tells the history beyond the event itself (inside the driver's transaction): the
 * state a merge built (also handed to `held`, for the builds), where a build runs and how it
 * ended, the change and its status. A timer's branch tip is no change: it gets no change row.
 */
export function recordInput(
  journal: Journal,
  input: Extract<Input, { kind: "event" }>,
  now: number,
  driver: { held(mergeId: number, merge: HeldMerge): void; isMerged(changeId: string): boolean },
): void {
  const ev = input.event;
  if (input.merged && ev.type === "merge-done") {
    const { buildsetId: _, ...held } = input.merged;
    driver.held(ev.mergeId, held);
    journal.mergeDone(input.merged.buildsetId, input.merged.state);
  }
  if (input.place && ev.type === "build-started") journal.buildStarted(ev.buildId, now, { executor: input.place.executor, containerId: input.place.runId });
  if (input.outcome && ev.type === "build-finished") journal.buildFinished(ev.buildId, input.outcome);
  if (ev.type === "enqueue" && !isBranchChange(ev.change)) journal.change(ev.change, now, driver.isMerged(ev.change.id) ? "MERGED" : "NEW");
  if (ev.type === "abandon") journal.changeStatus(ev.changeId, "ABANDONED", now);
  if (ev.type === "change-merged") journal.changeStatus(ev.changeId, "MERGED", now);
}
