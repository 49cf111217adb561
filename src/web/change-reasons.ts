import type { ChangeState, ChangeStatus, Votes } from "../sources/source.ts";

/**
 * Why a change is in none of its project's pipelines, each reason a typed value with a sentence
 * for people (the change page, docs/web.md). Pure: the source's answer, the driver's parked list,
 * the store's last items and the config's requirements come in as arguments.
 */
export type Reason =
  /** A pipeline's `require` wants a vote the change lacks. */
  | { kind: "needs-approval"; pipeline: string; label: string; need: number; text: string }
  /** A -2 on a label the pipeline requires positive blocks it (as `meetsRequirements` in the driver). */
  | { kind: "vetoed"; pipeline: string; label: string; value: number; text: string }
  /** Parked behind a Depends-On dependency not yet in the pipeline (driver/parked.ts). */
  | { kind: "waiting-on-dependency"; pipeline: string; dependency: string; text: string }
  | { kind: "work-in-progress"; text: string }
  | { kind: "abandoned"; text: string }
  | { kind: "merged"; text: string }
  /** Its last time in the pipeline ended in a merge conflict; `message` is git's text. */
  | { kind: "merge-conflict"; pipeline: string; patchset: number | null; message: string; text: string }
  | { kind: "project-not-configured"; project: string; text: string }
  /** The source does not have the change (or gatebox's account cannot see it). */
  | { kind: "unknown-to-source"; text: string }
  /** The source could not be asked: what is shown is the store's alone. */
  | { kind: "source-unavailable"; message: string; text: string }
  /** Nothing holds it back: it enters a pipeline when one of its triggers fires. */
  | { kind: "awaiting-trigger"; text: string };

export interface PipelineRequirement {
  name: string;
  require: { approvals: Record<string, number> };
}

/** `+2`, `-1`, `0`: a vote as Gerrit writes it. */
export function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

/**
 * The votes a pipeline's `require` lacks, label by label. Agrees with the driver's
 * `meetsRequirements` (src/driver/triggers.ts): a positive requirement is met by a vote at or
 * above it, a negative one by a vote at or below it, and a -2 blocks a positive one.
 */
export function approvalGaps(pipeline: PipelineRequirement, votes: Votes): Reason[] {
  const out: Reason[] = [];
  for (const [label, need] of Object.entries(pipeline.require.approvals)) {
    const values = votes[label] ?? [];
    const veto = need > 0 ? values.find((v) => v <= -2) : undefined;
    if (veto !== undefined) {
      out.push({ kind: "vetoed", pipeline: pipeline.name, label, value: veto, text: `has ${label} ${signed(veto)}, which keeps it out of ${pipeline.name}` });
      continue;
    }
    const met = need >= 0 ? values.some((v) => v >= need) : values.some((v) => v <= need);
    if (met) continue;
    const wanted = need > 0 ? `${label} ${signed(need)}` : need === 0 ? `a ${label} vote of 0 or more` : `${label} ${need} or lower`;
    out.push({ kind: "needs-approval", pipeline: pipeline.name, label, need, text: `needs ${wanted} to enter ${pipeline.name}` });
  }
  return out;
}

/** What the source said about the change: its state, or why it could not say. */
export type SourceAnswer = { ok: true; state: ChangeState } | { ok: false; unknown: boolean; message: string };

/** The store's last item of the change in one pipeline. */
export interface LastItem {
  pipeline: string;
  patchset: number | null;
  /** The report's result (`merge-conflict`, …). */
  result: string | null;
  /** Its last buildset's result (`MERGE_CONFLICT`, …). */
  buildsetResult: string | null;
  reason: string | null;
}

export interface ReasonInput {
  number: number;
  /** Null: no source is configured (nothing to ask). */
  source: SourceAnswer | null;
  /** The status the store last recorded, used when the source cannot say. */
  storedStatus: string | null;
  project: string | null;
  /** The project's pipelines with their requirements; null when the project is not configured. */
  pipelines: PipelineRequirement[] | null;
  /** Pipelines the change is in now. */
  live: readonly string[];
  /** The driver's parked entries for this change. */
  parked: readonly { pipeline: string; waitsFor: readonly string[] }[];
  lastItems: readonly LastItem[];
}

/** Every reason the change is not in a pipeline it could be in; empty when nothing holds it back anywhere. */
export function changeReasons(input: ReasonInput): Reason[] {
  const out: Reason[] = [...sourceReasons(input)];
  const state = input.source?.ok ? input.source.state : null;
  const status = (state?.status ?? input.storedStatus ?? "NEW") as ChangeStatus;
  if (status === "MERGED") return [...out, { kind: "merged", text: "merged: it needs no pipeline that tests open changes any more" }];
  if (status === "ABANDONED") return [...out, { kind: "abandoned", text: "abandoned: gatebox takes it again once it is restored" }];
  if (state?.wip) out.push({ kind: "work-in-progress", text: "work in progress: Gerrit will not submit it until the owner marks it ready for review" });
  if (input.pipelines === null) {
    if (input.project !== null) out.push({ kind: "project-not-configured", project: input.project, text: `its project ${input.project} is not in gatebox's config` });
    return out;
  }
  for (const p of input.pipelines) {
    if (input.live.includes(p.name)) continue;
    out.push(...pipelineReasons(p, input, state));
  }
  if (input.live.length === 0 && out.length === 0 && input.source?.ok) {
    out.push({ kind: "awaiting-trigger", text: "nothing holds it back: it enters a pipeline when one of the pipeline's triggers fires (a new patchset, an approval, a comment such as recheck)" });
  }
  return out;
}

function sourceReasons(input: ReasonInput): Reason[] {
  if (!input.source || input.source.ok) return [];
  if (input.source.unknown) return [{ kind: "unknown-to-source", text: `Gerrit does not have change ${input.number} (or gatebox's account cannot see it)` }];
  const message = input.source.message;
  return [{ kind: "source-unavailable", message, text: `Gerrit could not be asked (${message}): this page shows only what gatebox recorded` }];
}

/** Why the change is not in one pipeline: parked behind a dependency, a lacking vote, a conflict last time. */
function pipelineReasons(p: PipelineRequirement, input: ReasonInput, state: ChangeState | null): Reason[] {
  const out: Reason[] = [];
  for (const entry of input.parked.filter((e) => e.pipeline === p.name)) {
    for (const dep of entry.waitsFor) {
      out.push({ kind: "waiting-on-dependency", pipeline: p.name, dependency: dep, text: `waits for change ${dep}, which it depends on, to enter ${p.name} (or merge)` });
    }
  }
  if (state) out.push(...approvalGaps(p, state.votes));
  const last = input.lastItems.find((i) => i.pipeline === p.name);
  const conflicted = last && (last.buildsetResult === "MERGE_CONFLICT" || last.result === "merge-conflict");
  // A newer patchset than the one that conflicted may well merge: the old conflict is no reason then.
  if (conflicted && (state === null || last.patchset === null || last.patchset === state.patchset)) {
    const message = last.reason ?? "";
    const ps = last.patchset !== null ? ` (patchset ${last.patchset})` : "";
    out.push({ kind: "merge-conflict", pipeline: p.name, patchset: last.patchset, message, text: `did not merge onto the branch last time in ${p.name}${ps}: rebase it and upload a new patchset` });
  }
  return out;
}
