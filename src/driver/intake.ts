import type { GateboxConfig } from "../config/model.ts";
import type { Change, SchedulerEvent } from "../scheduler/types.ts";
import type { Dependency, TriggerEvent } from "../sources/source.ts";
import { changeFromEvent, meetsRequirements, pipelinesTriggered, type Votes } from "./triggers.ts";

export interface IntakeOptions {
  config: GateboxConfig;
  submit(event: SchedulerEvent): void;
  isEnqueued(pipeline: string, changeId: string): boolean;
  /** The patchsets of this change now in any queue (to tell a new patchset from a repeated event). */
  enqueuedPatchsets(changeId: string): number[];
  /** The change's current votes (re-read from the source), for pipelines with requirements. */
  votes(event: TriggerEvent): Promise<Votes>;
  /**
   * The change's open dependencies (Depends-On, resolved at the source; merged ones left out):
   * their ids, and their change records with their own dependencies, transitively (what an
   * independent pipeline merges into the item's state).
   */
  dependencies(change: Change, footers: readonly Dependency[]): Promise<{ dependsOn: string[]; needs: Change[] }>;
  log(line: string): void;
}

/**
 * Turns source events into scheduler events (Zuul's trigger handling):
 * - a new patchset dequeues the old one everywhere, then enters the pipelines it triggers;
 * - a comment or vote enters the pipelines it triggers when their requirements hold, and a vote
 *   that withdraws a requirement takes the change out of pipelines that require it;
 * - abandoned leaves every pipeline; merged satisfies dependencies (and triggers post).
 */
export async function intake(opts: IntakeOptions, event: TriggerEvent): Promise<void> {
  const change = changeFromEvent(event);
  // The source delivers at least once: a repeated event for the patchset already enqueued must not
  // knock it out of the gate.
  if (event.type === "patchset-created" && opts.enqueuedPatchsets(change.id).some((ps) => ps !== event.change.patchset)) {
    opts.submit({ type: "new-patchset", changeId: change.id });
  }
  if (event.type === "change-abandoned") {
    opts.submit({ type: "abandon", changeId: change.id });
    return;
  }
  if (event.type === "change-merged") opts.submit({ type: "change-merged", changeId: change.id });

  const triggered = pipelinesTriggered(opts.config, event);
  const withRequirements = opts.config.pipelines.filter((p) => Object.keys(p.require.approvals).length > 0);
  const mustCheck = withRequirements.filter(
    (p) => triggered.includes(p) || (event.approvals !== undefined && opts.isEnqueued(p.name, change.id)),
  );
  let votes: Votes | null = null;
  if (mustCheck.length > 0) {
    try {
      votes = await opts.votes(event);
    } catch (err) {
      opts.log(`gatebox: cannot read the votes of change ${change.id}: ${(err as Error).message}; the event is skipped`);
      return;
    }
  }
  let resolved: { dependsOn: string[]; needs: Change[] } | null = null;
  for (const pipeline of triggered) {
    if (votes && mustCheck.includes(pipeline)) {
      const { ok, missing } = meetsRequirements(pipeline, votes);
      if (!ok) {
        opts.log(`gatebox: change ${change.id} does not enter ${pipeline.name}: it lacks ${missing.join(", ")}`);
        continue;
      }
    }
    if (resolved === null) {
      try {
        resolved = await opts.dependencies(change, event.change.dependsOn);
      } catch (err) {
        opts.log(`gatebox: cannot resolve the dependencies of change ${change.id}: ${(err as Error).message}; the event is skipped`);
        return;
      }
    }
    opts.submit({ type: "enqueue", pipeline: pipeline.name, change: { ...change, dependsOn: resolved.dependsOn }, needs: resolved.needs });
  }
  // A withdrawn approval takes the change out of the pipelines that require it.
  if (votes) {
    for (const pipeline of mustCheck) {
      if (triggered.includes(pipeline) || !opts.isEnqueued(pipeline.name, change.id)) continue;
      const { ok, missing } = meetsRequirements(pipeline, votes);
      if (!ok) {
        opts.log(`gatebox: change ${change.id} leaves ${pipeline.name}: it no longer has ${missing.join(", ")}`);
        opts.submit({ type: "dequeue", pipeline: pipeline.name, changeId: change.id });
      }
    }
  }
}
