/** Pure builders for Gerrit queries and URL pieces (REST-SUBSET.md "Querying changes"). */
import { formatGerritSeconds } from "./translate.ts";

/** The options every poll asks for. */
export const POLL_OPTIONS = [
  "CURRENT_REVISION",
  "CURRENT_COMMIT",
  "DETAILED_LABELS",
  "MESSAGES",
  "SUBMITTABLE",
  "SUBMIT_REQUIREMENTS",
  // Owner names and usernames, for reports and the status page (not only account ids).
  "DETAILED_ACCOUNTS",
] as const;

/** Quotes an operator value when Gerrit's parser would otherwise split it. */
export function quoteValue(value: string): string {
  if (/^[A-Za-z0-9_./@+-]+$/.test(value) && !value.startsWith("-")) return value;
  return `"${value.replace(/"/g, "")}"`;
}

export function projectsClause(projects: readonly string[]): string {
  if (projects.length === 0) throw new Error("projectsClause: no projects");
  const terms = projects.map((p) => `project:${quoteValue(p)}`);
  return terms.length === 1 ? terms[0]! : `(${terms.join(" OR ")})`;
}

/** The poll query: every change of the projects updated at or after `afterMs` (whole seconds, UTC). */
export function pollQuery(projects: readonly string[], afterMs: number): string {
  return `${projectsClause(projects)} after:"${formatGerritSeconds(afterMs)}"`;
}

/** The reconciling sweep: every open change of the projects. */
export function sweepQuery(projects: readonly string[]): string {
  return `status:open ${projectsClause(projects)}`;
}

/** `{project}~{number}` with the project URL-encoded (`/` as `%2F`). */
export function changeId(project: string, number: number): string {
  // The bare number also works when it is unique on the server (a Depends-On URL names no project).
  if (project === "") return String(number);
  return `${encodeURIComponent(project)}~${number}`;
}

/** Search parameters for `GET /changes/`. */
export function queryParams(q: string, options: readonly string[], limit: number, skip: number): URLSearchParams {
  const params = new URLSearchParams();
  params.set("q", q);
  for (const o of options) params.append("o", o);
  params.set("n", String(limit));
  if (skip > 0) params.set("S", String(skip));
  return params;
}
