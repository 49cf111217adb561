import type { GateboxConfig, PipelineConfig, TriggerConfig } from "../config/model.ts";
import type { Change } from "../scheduler/types.ts";
import { schedulerChange, type TriggerEvent, type Votes } from "../sources/source.ts";

/**
 * Pure translation of source events into what the pipelines should do (Zuul's trigger matching).
 * Requirements (`require`) need the change's current votes, which the caller fetches.
 */

/** The scheduler's record of the event's change, with its Depends-On URL footers as ids. */
export function changeFromEvent(event: TriggerEvent): Change {
  return {
    ...schedulerChange(event.project, event.branch, event.change),
    dependsOn: event.change.dependsOn.flatMap((d) => (d.kind === "url" ? [String(d.number)] : [])),
  };
}

function triggerMatches(trigger: TriggerConfig, event: TriggerEvent): boolean {
  if (trigger.event !== event.type) return false;
  if (trigger.branch && !trigger.branch.test(event.branch)) return false;
  if (trigger.comment && !trigger.comment.test(event.comment ?? "")) return false;
  if (trigger.approval) {
    // Every named approval must be among the votes this event changed, at exactly that value.
    for (const [label, value] of Object.entries(trigger.approval)) {
      if (!(event.approvals ?? []).some((a) => a.label === label && a.value === value)) return false;
    }
  }
  return true;
}

/** The pipelines this event would enqueue the change into (those its project takes part in). */
export function pipelinesTriggered(config: GateboxConfig, event: TriggerEvent): PipelineConfig[] {
  const project = config.projects.find((p) => p.name === event.project);
  if (!project) return [];
  if (project.branch !== undefined && project.branch !== event.branch) return [];
  return config.pipelines.filter(
    (p) => project.pipelines.has(p.name) && p.triggers.some((t) => triggerMatches(t, event)),
  );
}

/**
 * A positive requirement is met by some vote at or above it (Code-Review: 2 needs a +2); a
 * negative one by a vote at or below it. A -2 on a label whose requirement is positive blocks.
 */
export function meetsRequirements(pipeline: PipelineConfig, votes: Votes): { ok: boolean; missing: string[] } {
  const missing: string[] = [];
  for (const [label, need] of Object.entries(pipeline.require.approvals)) {
    const values = votes[label] ?? [];
    const met = need >= 0 ? values.some((v) => v >= need) : values.some((v) => v <= need);
    const vetoed = need > 0 && values.some((v) => v <= -2);
    if (!met || vetoed) missing.push(`${label}${need >= 0 ? "+" : ""}${need}`);
  }
  return { ok: missing.length === 0, missing };
}
