import type { ChangeBuild, ChangeHistory, ChangeItem, ChangeRow } from "../store/change-queries.ts";
import { changeReasons, type LastItem, type PipelineRequirement, type Reason, type SourceAnswer } from "./change-reasons.ts";
import type { ChangeState } from "../sources/source.ts";
import type { StatusItem, StatusJson } from "./status-view.ts";

/**
 * The one place that maps what is known of a change (the store's history, the live status, the
 * source's answer, the parked list) to what `GET /api/changes/N` answers and `/changes/N` draws.
 * Pure: every input is an argument.
 */

/** A change parked behind its dependencies (the driver's `waiting()`, driver/parked.ts). */
export interface WaitingChange {
  pipeline: string;
  number: number;
  /** Change ids (numbers as text) it still waits for. */
  waitsFor: readonly string[];
}

/** What the change page asks beyond the store (WebContext.changes); server.ts wires it to the gate. */
export interface ChangeFacts {
  /** The change as the source has it now; throws as ChangeStateLookup.state does (InputError: unknown, else ours). */
  state(number: number): Promise<ChangeState>;
  /** The changes parked behind dependencies. */
  waiting(): readonly WaitingChange[];
  /** The pipelines a project on a branch takes part in, with their requirements; null when gatebox does not follow it. */
  pipelines(project: string, branch: string): PipelineRequirement[] | null;
}

export interface LinkedBuild extends ChangeBuild {
  url: string;
  logUrl: string;
  /** Seconds from start to end; null until both are known. */
  duration: number | null;
  pipeline: string;
  patchset: number | null;
}

export interface HistoryItem extends Omit<ChangeItem, "buildsets"> {
  buildsets: { id: string; result: string | null; createdAt: number | null; finishedAt: number | null; builds: LinkedBuild[] }[];
}

export interface LiveItem {
  pipeline: string;
  queue: string;
  item: StatusItem;
}

export interface ChangeJson {
  number: number;
  project: string | null;
  branch: string | null;
  subject: string;
  owner: string;
  /** On the source (Gerrit). */
  url: string | null;
  /** NEW, MERGED or ABANDONED: the source's when it answered, else the store's. */
  status: string | null;
  /** Null when the source was not asked or did not answer. */
  wip: boolean | null;
  patchset: number | null;
  /** Whether the source answered: `answered`, `unavailable` (ours: down, slow), `unknown` (it has no such change), `none` (no source). */
  source: "answered" | "unavailable" | "unknown" | "none";
  /** In at least one queue now. */
  inQueue: boolean;
  live: LiveItem[];
  /** Every time it was in a pipeline, newest first, with buildsets and builds. */
  items: HistoryItem[];
  /** Every build of the change, newest first. */
  builds: LinkedBuild[];
  reasons: Reason[];
  /** The store's record of the change (null when it never entered a pipeline). */
  change: ChangeRow | null;
}

export interface ChangeInputs {
  number: number;
  history: ChangeHistory | null;
  status: StatusJson;
  source: SourceAnswer | null;
  waiting: readonly WaitingChange[];
  /** The pipelines of the change's project (null: not configured; [] when nothing is known). */
  pipelinesOf: (project: string, branch: string) => PipelineRequirement[] | null;
}

export function changeJson(input: ChangeInputs): ChangeJson {
  const { number, history } = input;
  const state = input.source?.ok ? input.source.state : null;
  const stored = history?.change ?? null;
  const live = liveItems(input.status, number);
  const items = (history?.items ?? []).map(linkItem);
  const project = state?.project ?? stored?.project ?? history?.items[0]?.project ?? live[0]?.item.change.project ?? null;
  const branch = state?.branch ?? stored?.branch ?? live[0]?.item.change.branch ?? null;
  const reasons = changeReasons({
    number,
    source: input.source,
    storedStatus: stored?.status ?? null,
    project,
    pipelines: project === null ? [] : input.pipelinesOf(project, branch ?? ""),
    live: live.map((l) => l.pipeline),
    parked: input.waiting.filter((w) => w.number === number),
    lastItems: lastItems(history?.items ?? []),
  });
  return {
    number,
    project,
    branch,
    subject: state?.subject ?? stored?.subject ?? live[0]?.item.change.subject ?? "",
    owner: state?.owner ?? stored?.owner ?? live[0]?.item.change.owner ?? "",
    url: state?.url ?? (stored?.url || null),
    status: state?.status ?? stored?.status ?? null,
    wip: state ? state.wip : null,
    patchset: state?.patchset ?? history?.patchsets.at(-1)?.patchset ?? null,
    source: input.source === null ? "none" : input.source.ok ? "answered" : input.source.unknown ? "unknown" : "unavailable",
    inQueue: live.length > 0,
    live,
    items,
    builds: items.flatMap((i) => i.buildsets.flatMap((s) => s.builds)).sort((a, b) => b.queuedAt - a.queuedAt),
    reasons,
    change: stored,
  };
}

/** The change's items in the live status, pipeline by pipeline. */
export function liveItems(status: StatusJson, number: number): LiveItem[] {
  const id = String(number);
  const out: LiveItem[] = [];
  for (const p of status.pipelines) for (const q of p.queues) for (const item of q.items) if (item.change.id === id) out.push({ pipeline: p.name, queue: q.name, item });
  return out;
}

function linkItem(i: ChangeItem): HistoryItem {
  return {
    ...i,
    buildsets: i.buildsets.map((s) => ({ ...s, builds: s.builds.map((b) => linkBuild(b, i)) })),
  };
}

function linkBuild(b: ChangeBuild, item: ChangeItem): LinkedBuild {
  const id = encodeURIComponent(b.id);
  return {
    ...b,
    url: `/builds/${id}`,
    logUrl: `/api/builds/${id}/log`,
    duration: b.startedAt !== null && b.finishedAt !== null ? Math.max(0, b.finishedAt - b.startedAt) : null,
    pipeline: item.pipeline,
    patchset: item.patchset,
  };
}

/** The newest item of each pipeline (items come newest first), with its last buildset's result. */
function lastItems(items: readonly ChangeItem[]): LastItem[] {
  const out: LastItem[] = [];
  for (const i of items) {
    if (out.some((o) => o.pipeline === i.pipeline)) continue;
    out.push({ pipeline: i.pipeline, patchset: i.patchset, result: i.result, buildsetResult: i.buildsets.at(-1)?.result ?? null, reason: i.reason });
  }
  return out;
}
