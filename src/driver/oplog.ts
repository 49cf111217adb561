import type { Command, SchedulerEvent } from "../scheduler/index.ts";

/**
 * The operator's log: one line for each thing that happens to an item (it enters, is tested on a
 * state, builds start, it is reset or leaves). Builds ending, reports and submits are logged where
 * they complete (actions.ts). Idle gatebox logs nothing. Pure: the lines are tested on their own.
 */
export function describeCommand(cmd: Command): string | null {
  switch (cmd.type) {
    case "merge": {
      const ahead = cmd.changes.slice(0, -1).map((c) => c.id);
      const on = ahead.length === 0 ? "the branch tip" : `changes ${ahead.join(", ")}`;
      return `gatebox: change ${cmd.changes.at(-1)?.id ?? "?"} in ${cmd.pipeline}: testing on ${on} (buildset ${cmd.buildsetId})`;
    }
    case "start-build":
      return `gatebox: build ${cmd.buildId} (${cmd.job}) of change ${cmd.state.at(-1) ?? "?"} in ${cmd.pipeline} queued`;
    case "reset":
      return `gatebox: change ${cmd.changeId} in ${cmd.pipeline} reset: its state changed, ${cmd.discarded.length} build(s) discarded`;
    case "dequeue":
      return `gatebox: change ${cmd.changeId} left ${cmd.pipeline}${cmd.merged ? " (merged)" : ""}`;
    default:
      return null;
  }
}

/** An enqueue that the scheduler took, or a removal asked from outside. */
export function describeEvent(ev: SchedulerEvent): string | null {
  switch (ev.type) {
    case "enqueue":
      return `gatebox: change ${ev.change.id} entered ${ev.pipeline}${ev.change.dependsOn.length ? ` (depends on ${ev.change.dependsOn.join(", ")})` : ""}`;
    case "dequeue":
      return `gatebox: change ${ev.changeId}: dequeue from ${ev.pipeline} asked (by an admin, or its approval was withdrawn)`;
    case "promote":
      return `gatebox: change ${ev.changeId}: promoted to the head of its ${ev.pipeline} queue by an admin`;
    case "abandon":
      return `gatebox: change ${ev.changeId} was abandoned`;
    case "new-patchset":
      return `gatebox: change ${ev.changeId} has a new patchset; the old one leaves every pipeline`;
    default:
      return null;
  }
}
