/**
 * Pure translation from Gerrit's wire shapes to gatebox's domain objects. No I/O; unit-tested with
 * recorded shapes.
 */
import { parseDependsOn } from "../depends-on.ts";
import type { AccountRef, ChangeStatus, SourceChange } from "../source.ts";
import { type AccountInfo, type ChangeInfo, type RelatedInfo, changeInfo, describeIssue } from "./wire.ts";

export type { ChangeStatus };

export interface Vote {
  label: string;
  accountId: number;
  value: number;
  date?: string;
}

export interface ChangeMessage {
  id: string;
  authorId?: number;
  date: string;
  message: string;
  patchset?: number;
  tag?: string;
}

/** A change as gatebox sees it; fields the query did not ask for are undefined or empty. */
export interface GerritChange {
  number: number;
  project: string;
  branch: string;
  changeId: string;
  subject: string;
  status: ChangeStatus;
  updated: string;
  wip: boolean;
  owner: AccountRef;
  metaRevId?: string;
  /** The current patchset's SHA, number and ref (with CURRENT_REVISION). */
  revision?: string;
  patchset?: number;
  ref?: string;
  /** With CURRENT_COMMIT. */
  commitMessage?: string;
  parents: string[];
  /** Votes on the current patchset from `labels.*.all[]` (DETAILED_LABELS); zero rows are dropped. */
  votes: Vote[];
  messages: ChangeMessage[];
  submittable: boolean;
  submitRequirements: { name: string; status: string }[];
}

export function toAccount(a: AccountInfo): AccountRef {
  return {
    accountId: a._account_id,
    ...(a.name !== undefined ? { name: a.name } : {}),
    ...(a.email !== undefined ? { email: a.email } : {}),
    ...(a.username !== undefined ? { username: a.username } : {}),
  };
}

/** `refs/changes/XX/N/P`, XX the last two digits of N zero-padded. */
export function patchsetRef(number: number, patchset: number): string {
  return `refs/changes/${String(number % 100).padStart(2, "0")}/${number}/${patchset}`;
}

export function toChange(info: ChangeInfo): GerritChange {
  const revision = info.current_revision;
  const rev = revision !== undefined ? info.revisions?.[revision] : undefined;
  const patchset = info.current_revision_number ?? rev?._number;
  const votes: Vote[] = [];
  for (const [label, l] of Object.entries(info.labels ?? {})) {
    for (const a of l.all ?? []) {
      if (!a.value) continue; // zero rows: accounts allowed to vote that have not
      votes.push({ label, accountId: a._account_id, value: a.value, ...(a.date ? { date: a.date } : {}) });
    }
  }
  const messages: ChangeMessage[] = (info.messages ?? []).map((m) => ({
    id: m.id,
    date: m.date,
    message: m.message,
    ...(m.author ? { authorId: m.author._account_id } : {}),
    ...(m._revision_number !== undefined ? { patchset: m._revision_number } : {}),
    ...(m.tag ? { tag: m.tag } : {}),
  }));
  const commitMessage = rev?.commit?.message;
  return {
    number: info._number,
    project: info.project,
    branch: info.branch,
    changeId: info.change_id,
    subject: info.subject,
    status: info.status,
    updated: info.updated,
    wip: info.work_in_progress === true,
    owner: toAccount(info.owner),
    parents: rev?.commit?.parents?.map((p) => p.commit) ?? [],
    votes,
    messages,
    submittable: info.submittable === true,
    submitRequirements: (info.submit_requirements ?? []).map((r) => ({ name: r.name, status: r.status })),
    ...(info.meta_rev_id !== undefined ? { metaRevId: info.meta_rev_id } : {}),
    ...(revision !== undefined ? { revision } : {}),
    ...(patchset !== undefined ? { patchset } : {}),
    ...(patchset !== undefined ? { ref: rev?.ref ?? patchsetRef(info._number, patchset) } : {}),
    ...(commitMessage !== undefined ? { commitMessage } : {}),
  };
}

/** One entry of `GET …/related`: the changes in the same git chain. */
export interface RelatedChange {
  project?: string;
  changeId?: string;
  commit?: string;
  parents: string[];
  number?: number;
  patchset?: number;
  currentPatchset?: number;
  status?: string;
}

export function toRelatedChange(c: RelatedInfo["changes"][number]): RelatedChange {
  return {
    parents: c.commit?.parents?.map((p) => p.commit) ?? [],
    ...(c.project !== undefined ? { project: c.project } : {}),
    ...(c.change_id !== undefined ? { changeId: c.change_id } : {}),
    ...(c.commit ? { commit: c.commit.commit } : {}),
    ...(c._change_number !== undefined ? { number: c._change_number } : {}),
    ...(c._revision_number !== undefined ? { patchset: c._revision_number } : {}),
    ...(c._current_revision_number !== undefined ? { currentPatchset: c._current_revision_number } : {}),
    ...(c.status !== undefined ? { status: c.status } : {}),
  };
}

/** A change record of a query answer that gatebox cannot read, and why. */
export interface SkippedChange {
  /** Its `_number`, when that much is readable. */
  number?: number;
  /** Its `id` (or `change_id`) when it has no readable number: for the log, never parsed. */
  id?: string;
  /** 1-based position in the query's answer (across pages). */
  position: number;
  problem: string;
}

/**
 * One record of a query answer: the change, or why it was skipped. One bad record (a status this
 * version does not know, a missing field) must not hide the others.
 */
export function parseChangeRecord(raw: unknown, position: number): { change: GerritChange } | { skipped: SkippedChange } {
  const parsed = changeInfo.safeParse(raw);
  if (parsed.success) {
    try {
      return { change: toChange(parsed.data) };
    } catch (err) {
      return { skipped: { ...identify(raw), position, problem: err instanceof Error ? err.message : String(err) } };
    }
  }
  return { skipped: { ...identify(raw), position, problem: describeIssue(parsed.error, raw) } };
}

/** What can be said about which change a bad record is: its number, else its id or Change-Id. */
function identify(raw: unknown): { number?: number; id?: string } {
  const r = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const n = r["_number"];
  if (typeof n === "number" && Number.isInteger(n)) return { number: n };
  const id = typeof r["id"] === "string" ? r["id"] : r["change_id"];
  return typeof id === "string" ? { id: id.slice(0, 200) } : {};
}

/** `change 17 (status: …)`, or `the record at position 4 of <answer> (id "…"), without a readable _number (…)`. */
export function describeSkipped(s: SkippedChange, answer = "the answer"): string {
  if (s.number !== undefined) return `change ${s.number} (${s.problem})`;
  const id = s.id !== undefined ? ` (id ${JSON.stringify(s.id)})` : "";
  return `the record at position ${s.position} of ${answer}${id}, without a readable _number (${s.problem})`;
}

/** The change's web URL: `<base>/c/<project>/+/<number>`. */
export function changeUrl(baseUrl: string, project: string, number: number): string {
  return `${baseUrl.replace(/\/+$/, "")}/c/${project}/+/${number}`;
}

/** The SourceChange of a TriggerEvent; needs CURRENT_REVISION (and CURRENT_COMMIT for dependsOn). */
export function toSourceChange(c: GerritChange, baseUrl: string): SourceChange {
  return {
    number: c.number,
    patchset: c.patchset ?? 0,
    revision: c.revision ?? "",
    changeId: c.changeId,
    subject: c.subject,
    owner: c.owner,
    url: changeUrl(baseUrl, c.project, c.number),
    ref: c.ref ?? "",
    dependsOn: c.commitMessage ? parseDependsOn(c.commitMessage) : [],
  };
}

/** Gerrit timestamp → epoch ms (UTC); undefined when malformed. */
export function parseGerritTime(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  if (Number.isNaN(ms)) return undefined;
  return ms + (m[3] ? Math.floor(Number(`0.${m[3]}`) * 1000) : 0);
}

/** Epoch ms → Gerrit's form with whole seconds, as used in `after:"…"`. */
export function formatGerritSeconds(ms: number): string {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
