/**
 * Gerrit's JSON shapes as gatebox reads them (REST-SUBSET.md), validated defensively: only the fields
 * gatebox uses are checked, unknown fields are ignored, absent defaults stay absent. A query's change
 * records are validated one by one (translate.ts parseChangeRecord), so one bad record hides no other.
 * Below the shapes, the bytes: the XSSI guard, a body read with a size cap, redirect targets.
 */
import * as z from "zod";

export const accountInfo = z.object({
  _account_id: z.number().int(),
  name: z.string().optional(),
  email: z.string().optional(),
  username: z.string().optional(),
});

const approvalInfo = z.object({
  _account_id: z.number().int(),
  value: z.number().int().optional(),
  date: z.string().optional(),
  tag: z.string().nullish(),
});

const labelInfo = z.object({
  all: z.array(approvalInfo).optional(),
  values: z.record(z.string(), z.string()).optional(),
});

const commitInfo = z.object({
  commit: z.string().optional(),
  parents: z.array(z.object({ commit: z.string() })).optional(),
  subject: z.string().optional(),
  message: z.string().optional(),
});

const revisionInfo = z.object({
  _number: z.number().int(),
  ref: z.string().optional(),
  created: z.string().optional(),
  uploader: accountInfo.optional(),
  commit: commitInfo.optional(),
});

const messageInfo = z.object({
  id: z.string(),
  author: accountInfo.optional(),
  date: z.string(),
  message: z.string(),
  _revision_number: z.number().int().optional(),
  tag: z.string().nullish(),
});

export const changeInfo = z.object({
  project: z.string(),
  branch: z.string(),
  change_id: z.string(),
  subject: z.string(),
  status: z.enum(["NEW", "MERGED", "ABANDONED"]),
  updated: z.string(),
  submitted: z.string().optional(),
  work_in_progress: z.boolean().optional(),
  _number: z.number().int(),
  current_revision_number: z.number().int().optional(),
  meta_rev_id: z.string().optional(),
  owner: accountInfo,
  current_revision: z.string().optional(),
  revisions: z.record(z.string(), revisionInfo).optional(),
  labels: z.record(z.string(), labelInfo).optional(),
  submittable: z.boolean().optional(),
  submit_requirements: z.array(z.object({ name: z.string(), status: z.string() })).optional(),
  messages: z.array(messageInfo).optional(),
  _more_changes: z.boolean().optional(),
});

export type ChangeInfo = z.infer<typeof changeInfo>;
export type AccountInfo = z.infer<typeof accountInfo>;

export const relatedInfo = z.object({
  changes: z.array(
    z.object({
      project: z.string().optional(),
      change_id: z.string().optional(),
      commit: z.object({ commit: z.string(), parents: z.array(z.object({ commit: z.string() })).optional() }).optional(),
      _change_number: z.number().int().optional(),
      _revision_number: z.number().int().optional(),
      _current_revision_number: z.number().int().optional(),
      status: z.string().optional(),
    }),
  ),
});

export type RelatedInfo = z.infer<typeof relatedInfo>;

export const branchInfo = z.array(z.object({ ref: z.string(), revision: z.string() }));

export const projectConfig = z.object({
  submit_type: z.string().optional(),
  default_submit_type: z.object({ value: z.string().optional() }).optional(),
});

export const reviewResult = z.object({ labels: z.record(z.string(), z.number()).optional() });

/** The value at a zod issue's path inside `raw`, for messages (undefined when absent). */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur = raw;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** `status: Invalid option: expected one of … (got "DRAFT")`: the first problem, where, and the value found. */
export function describeIssue(error: z.ZodError, raw: unknown): string {
  const issue = error.issues[0];
  if (!issue) return "unexpected shape";
  const where = issue.path.map(String).join(".") || "(root)";
  const value = valueAt(raw, issue.path);
  const got = value === undefined ? "" : ` (got ${JSON.stringify(value)?.slice(0, 60) ?? String(value)})`;
  const more = error.issues.length > 1 ? ` and ${error.issues.length - 1} more problem(s)` : "";
  return `${where}: ${issue.message}${got}${more}`;
}

export const XSSI_PREFIX = ")]}'";

/** A query answer before each record is validated on its own. */
export const changeRecords = z.array(z.unknown());

/** Whether a query page's last record says more pages follow (read even when the record is otherwise bad). */
export function moreChanges(last: unknown): boolean {
  return typeof last === "object" && last !== null && (last as Record<string, unknown>)["_more_changes"] === true;
}

/** Strips the anti-XSSI guard and parses; throws SyntaxError on malformed JSON. */
export function parseGerritJson(body: string): unknown {
  const text = body.startsWith(XSSI_PREFIX) ? body.slice(XSSI_PREFIX.length) : body;
  return JSON.parse(text);
}

/**
 * Reads the body as text, at most `limit` bytes: a declared Content-Length over it is refused before
 * reading; otherwise the stream is read chunk by chunk and cancelled as soon as it passes the limit.
 */
export async function readCapped(res: Response, limit: number, tooLarge: () => Error): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    const err = tooLarge();
    await res.body?.cancel().catch(() => undefined);
    throw err;
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      const err = tooLarge();
      await reader.cancel().catch(() => undefined);
      throw err;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** The absolute address a redirect names, without any `user:password@`; the raw text if it is no URL. */
export function redirectTarget(location: string | null, requested: string): string {
  if (!location) return "";
  try {
    const target = new URL(location, requested);
    target.username = "";
    target.password = "";
    return target.href;
  } catch {
    return location.slice(0, 200);
  }
}
