/**
 * The Gerrit simulator's data model: projects, accounts, changes, patchsets, votes and messages, held in
 * memory (the git objects live in real bare repos on disk). Everything here is plain data; the mutations
 * are in state.ts, the wire shapes in render.ts.
 */
import { createHash, randomBytes } from "node:crypto";

export type SubmitType =
  | "MERGE_IF_NECESSARY"
  | "MERGE_ALWAYS"
  | "REBASE_IF_NECESSARY"
  | "REBASE_ALWAYS"
  | "CHERRY_PICK"
  | "FAST_FORWARD_ONLY";

export type ChangeStatus = "NEW" | "MERGED" | "ABANDONED";

export interface LabelDef {
  name: string;
  min: number;
  max: number;
  /** Descriptions keyed like Gerrit's `values`: "-2", "-1", " 0", "+1", "+2". */
  values: Record<string, string>;
}

export interface SubmitRequirementDef {
  name: string;
  label: string;
  /** Satisfied when some current vote on `label` is at least this and no vote sits at the label's minimum. */
  atLeast: number;
}

export interface SimAccount {
  id: number;
  username: string;
  name: string;
  email: string;
  /** HTTP password ("authentication token"); accounts without one cannot use `/a/`. */
  httpPassword?: string;
  /** Permitted voting range per label; a label absent here cannot be voted on by this account. */
  ranges: Record<string, { min: number; max: number }>;
  canSubmit: boolean;
}

export interface SimProject {
  name: string;
  submitType: SubmitType;
  /** Absolute path of the bare repo, `<root>/<name>.git`. */
  dir: string;
  /** Anonymous users may read it (default true); otherwise its changes are 404 without `/a/`. */
  anonymousRead: boolean;
}

export interface SimPatchset {
  number: number;
  sha: string;
  parent: string;
  created: number;
  uploader: number;
  ref: string;
  subject: string;
  message: string;
  authorDate: number;
  /** FileInfo per path against the parent, as CURRENT_FILES renders it (`/COMMIT_MSG` excluded). */
  files: Record<string, { status?: "A" | "D" | "R" | "C"; lines_inserted?: number; lines_deleted?: number; binary?: boolean }>;
}

export interface SimVote {
  account: number;
  label: string;
  value: number;
  date: number;
  patchset: number;
  tag?: string;
}

export interface SimMessage {
  id: string;
  author: number;
  date: number;
  message: string;
  revision: number;
  tag?: string;
}

export interface SimChange {
  number: number;
  project: string;
  branch: string;
  changeId: string;
  topic?: string;
  owner: number;
  status: ChangeStatus;
  created: number;
  updated: number;
  submitted?: number;
  submitter?: number;
  wip: boolean;
  patchsets: SimPatchset[];
  votes: SimVote[];
  messages: SimMessage[];
  /** Accounts that voted or commented: they get zero rows in `labels.*.all[]`. */
  reviewers: number[];
  metaRevId: string;
}

export const DEFAULT_LABELS: LabelDef[] = [
  {
    name: "Code-Review",
    min: -2,
    max: 2,
    values: {
      "-2": "This shall not be submitted",
      "-1": "I would prefer this is not submitted as is",
      " 0": "No score",
      "+1": "Looks good to me, but someone else must approve",
      "+2": "Looks good to me, approved",
    },
  },
  {
    name: "Verified",
    min: -2,
    max: 2,
    values: { "-2": "Fails", "-1": "Doesn't seem to work", " 0": "No score", "+1": "Works for me", "+2": "Verified" },
  },
  {
    name: "Workflow",
    min: -1,
    max: 1,
    values: { "-1": "Work in progress", " 0": "Ready for reviews", "+1": "Approved" },
  },
];

export const DEFAULT_REQUIREMENTS: SubmitRequirementDef[] = [
  { name: "Code-Review", label: "Code-Review", atLeast: 2 },
  { name: "Verified", label: "Verified", atLeast: 2 },
];

/** Gerrit's timestamp form: UTC, space separator, nanoseconds, no zone. */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-24T13:05:07.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000000`;
}

/** Parses `2026-11-24 13:00:00` (optionally with a fraction) as UTC; undefined when malformed. */
export function parseTimestamp(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  if (Number.isNaN(ms)) return undefined;
  const frac = m[3] ? Number(`0${m[3]}`) * 1000 : 0;
  return ms + Math.floor(frac);
}

export function changeRef(number: number, patchset: number): string {
  return `refs/changes/${String(number % 100).padStart(2, "0")}/${number}/${patchset}`;
}

export function newChangeId(): string {
  return `I${createHash("sha1").update(randomBytes(20)).digest("hex")}`;
}

export function newMetaRevId(seed: string): string {
  return createHash("sha1").update(seed).update(randomBytes(8)).digest("hex");
}

export function newMessageId(): string {
  return randomBytes(20).toString("hex");
}

export function currentPatchset(change: SimChange): SimPatchset {
  const ps = change.patchsets[change.patchsets.length - 1];
  if (!ps) throw new Error(`change ${change.number} has no patchset`);
  return ps;
}

/** The votes that count: those on the current patchset, latest per account and label. */
export function currentVotes(change: SimChange): SimVote[] {
  const current = currentPatchset(change).number;
  return change.votes.filter((v) => v.patchset === current);
}

export function formatVote(label: string, value: number): string {
  if (value === 0) return `-${label}`;
  return `${label}${value > 0 ? "+" : ""}${value}`;
}

export function valueKey(value: number): string {
  if (value === 0) return " 0";
  return value > 0 ? `+${value}` : String(value);
}
