import type { GateboxConfig, PipelineConfig } from "../config/model.ts";
import { InputError } from "../errors.ts";
import type { Change, SchedulerEvent } from "../scheduler/index.ts";
import { resolveDependencies } from "../sources/dependencies.ts";
import type { ChangeLookup, TriggerEvent, Votes } from "../sources/source.ts";
import type { ParkedChange } from "./parked.ts";
import { changeRisk, type JobHistory } from "./risk.ts";
import { changeFromEvent, meetsRequirements, pipelinesTriggered } from "./triggers.ts";

export interface IntakeOptions {
  config: GateboxConfig;
  submit(event: SchedulerEvent): void;
  isEnqueued(pipeline: string, changeId: string): boolean;
  /** The patchsets of this change now in any queue (to tell a new patchset from a repeated event). */
  enqueuedPatchsets(changeId: string): number[];
  /**
   * The source, asked for a change's current votes (pipelines with requirements) and its open
   * dependencies (Depends-On, resolved at the source, merged ones left out; their records,
   * transitively, are what an independent pipeline merges into the item's state).
   */
  lookup: ChangeLookup;
  /** Keeps a change out of a dependent pipeline until what it depends on is there (enqueue-behind). */
  park(entry: ParkedChange): void;
  log(line: string): void;
  /** The store's record of jobs and check results: the adaptive strategy's risk (src/driver/risk.ts). */
  history?: JobHistory;
}

/**
 * The admin's enqueue: the change's current patchset, read from the source, enters `pipeline`
 * with its dependencies resolved. A closed change is the admin's error, but a merged change for a
 * pipeline triggered by merges (post).
 */
export async function enqueueByHand(opts: IntakeOptions, pipeline: string, project: string, number: number): Promise<void> {
  const p = opts.config.pipelines.find((x) => x.name === pipeline);
  if (!p) return;
  const { status, record, dependsOn: footers } = await opts.lookup.change(number, project);
  // Only a pipeline that runs on merged changes (post) takes a closed one.
  const takesMerged = status === "MERGED" && p.triggers.some((t) => t.event === "change-merged");
  if (status !== "NEW" && !takesMerged) throw new InputError(`change: ${number} is ${status.toLowerCase()}`);
  enter(opts, p, record, await resolveDependencies(record, footers, opts.lookup));
}

/**
 * A parked change whose dependencies are now in the pipeline (or merged): read it again from the
 * source and enter it if it still may (open, requirements met); on a source error, park it again.
 */
export async function retryParked(opts: IntakeOptions, entry: ParkedChange): Promise<void> {
  const pipeline = opts.config.pipelines.find((p) => p.name === entry.pipeline);
  if (!pipeline) return;
  try {
    const { status, record, dependsOn: footers } = await opts.lookup.change(entry.number, entry.project);
    if (status !== "NEW") {
      opts.log(`gatebox: change ${entry.changeId} no longer waits for ${entry.pipeline}: it is ${status.toLowerCase()}`);
      return;
    }
    let votes: Votes | null = null;
    if (Object.keys(pipeline.require.approvals).length > 0) {
      votes = await opts.lookup.votes(entry.project, entry.number);
      const { ok, missing } = meetsRequirements(pipeline, votes);
      if (!ok) {
        opts.log(`gatebox: change ${entry.changeId} does not enter ${pipeline.name} behind its dependency: it lacks ${missing.join(", ")}`);
        return;
      }
    }
    enter(opts, pipeline, record, await resolveDependencies(record, footers, opts.lookup), votes);
  } catch (err) {
    opts.log(`gatebox: cannot enqueue change ${entry.changeId} behind its dependency yet (${(err as Error).message}); trying again shortly`);
    await Bun.sleep(5000);
    opts.park(entry);
  }
}

/** Enqueues the change, or parks it while a dependency it needs is neither in the pipeline nor merged. */
function enter(
  opts: IntakeOptions,
  pipeline: PipelineConfig,
  change: Change,
  resolved: { dependsOn: string[]; needs: Change[] },
  votes: Votes | null = null,
): void {
  const open = new Set(resolved.needs.map((c) => c.id));
  const waitsFor =
    pipeline.manager === "independent" ? [] : resolved.dependsOn.filter((id) => open.has(id) && !opts.isEnqueued(pipeline.name, id));
  if (waitsFor.length > 0) {
    opts.log(`gatebox: change ${change.id} waits for ${waitsFor.join(", ")} to enter ${pipeline.name}; it will be enqueued behind (no vote meanwhile)`);
    opts.park({ pipeline: pipeline.name, project: change.project, number: Number(change.id), changeId: change.id, waitsFor });
    return;
  }
  const risk = changeRisk(opts.config, pipeline, change, opts.history, votes);
  opts.submit({
    type: "enqueue",
    pipeline: pipeline.name,
    change: { ...change, dependsOn: resolved.dependsOn, ...(risk !== undefined ? { risk } : {}) },
    needs: resolved.needs,
  });
}

/**
 * What the source says of a change's chance to fail the gate, for the adaptive strategy: a change
 * whose own check failed (a negative Verified) most likely fails again. Otherwise nothing is said
 * and the queue's measured failure rate stands.
 */
export function riskOf(votes: Votes): number | undefined {
  return (votes["Verified"] ?? []).some((v) => v < 0) ? 0.9 : undefined;
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
      votes = await opts.lookup.votes(event.project, event.change.number);
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
        resolved = await resolveDependencies(change, event.change.dependsOn, opts.lookup);
      } catch (err) {
        opts.log(`gatebox: cannot resolve the dependencies of change ${change.id}: ${(err as Error).message}; the event is skipped`);
        return;
      }
    }
    enter(opts, pipeline, change, resolved, votes);
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
