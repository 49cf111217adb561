/**
 * Renders the simulator's changes in Gerrit's wire shapes, honouring the `o=` options exactly as
 * REST-SUBSET.md states: fields appear only with the options that ask for them, false booleans are
 * absent, `labels.*.all[]` and `values` only with DETAILED_LABELS.
 */
import {
  type SimAccount,
  type SimChange,
  type SimPatchset,
  currentPatchset,
  currentVotes,
  formatTimestamp,
  valueKey,
} from "./model.ts";
import type { GerritState } from "./state.ts";

export type Json = Record<string, unknown>;

export function renderAccount(a: SimAccount | undefined, id: number, detailed: boolean): Json {
  if (!detailed || !a) return { _account_id: id };
  return { _account_id: a.id, name: a.name, email: a.email, username: a.username };
}

/** The submit requirement results of the change's current patchset. */
export function requirementResults(state: GerritState, c: SimChange): { name: string; status: string }[] {
  const votes = currentVotes(c);
  return state.requirements.map((r) => {
    const def = state.labels.find((l) => l.name === r.label);
    const mine = votes.filter((v) => v.label === r.label);
    const blocked = def !== undefined && mine.some((v) => v.value === def.min && def.min < 0);
    const ok = !blocked && mine.some((v) => v.value >= r.atLeast);
    return { name: r.name, status: ok ? "SATISFIED" : "UNSATISFIED" };
  });
}

export function isSubmittable(state: GerritState, c: SimChange): boolean {
  return c.status === "NEW" && !c.wip && requirementResults(state, c).every((r) => r.status === "SATISFIED");
}

function renderRevision(state: GerritState, c: SimChange, ps: SimPatchset, withCommit: boolean, detailed: boolean, withFiles: boolean): Json {
  const uploader = state.accounts.get(ps.uploader);
  const out: Json = {
    kind: "REWORK",
    _number: ps.number,
    created: formatTimestamp(ps.created),
    uploader: renderAccount(uploader, ps.uploader, detailed),
    ref: ps.ref,
    fetch: {},
  };
  if (withFiles) out["files"] = ps.files;
  if (withCommit) {
    const person = { name: uploader?.name ?? "", email: uploader?.email ?? "", date: formatTimestamp(ps.authorDate), tz: 0 };
    out["commit"] = {
      commit: ps.sha,
      parents: [{ commit: ps.parent, subject: parentSubject(state, c, ps.parent) }],
      author: person,
      committer: person,
      subject: ps.subject,
      message: ps.message,
    };
  }
  return out;
}

function parentSubject(state: GerritState, c: SimChange, sha: string): string {
  for (const other of state.changes.values()) {
    if (other.project !== c.project) continue;
    const ps = other.patchsets.find((p) => p.sha === sha);
    if (ps) return ps.subject;
  }
  return "";
}

function renderLabels(state: GerritState, c: SimChange, detailed: boolean): Json {
  const votes = currentVotes(c);
  const out: Json = {};
  for (const def of state.labels) {
    const mine = votes.filter((v) => v.label === def.name);
    const info: Json = {};
    const max = mine.reduce((m, v) => Math.max(m, v.value), 0);
    const min = mine.reduce((m, v) => Math.min(m, v.value), 0);
    const acct = (value: number) => {
      const v = mine.find((x) => x.value === value)!;
      return renderAccount(state.accounts.get(v.account), v.account, false);
    };
    if (min === def.min && min < 0) info["rejected"] = acct(min);
    else if (max === def.max && max > 0) info["approved"] = acct(max);
    else if (min < 0) info["disliked"] = acct(min);
    else if (max > 0) info["recommended"] = acct(max);
    if (min < 0 || max > 0) info["value"] = min < 0 ? min : max;
    if (detailed) {
      const all: Json[] = [];
      const voters = new Set<number>([...mine.map((v) => v.account), ...c.reviewers]);
      for (const id of voters) {
        const account = state.accounts.get(id);
        const range = account?.ranges[def.name];
        if (!range) continue;
        const v = mine.find((x) => x.account === id);
        const row: Json = { value: v?.value ?? 0, _account_id: id, permitted_voting_range: range };
        if (v) row["date"] = formatTimestamp(v.date);
        if (v?.tag) row["tag"] = v.tag;
        all.push(row);
      }
      info["all"] = all;
      const values: Record<string, string> = {};
      for (const [k, text] of Object.entries(def.values)) values[k] = text;
      for (let n = def.min; n <= def.max; n++) values[valueKey(n)] ??= "";
      info["values"] = values;
      info["default_value"] = 0;
    }
    out[def.name] = info;
  }
  return out;
}

export function renderChange(state: GerritState, c: SimChange, options: ReadonlySet<string>): Json {
  const detailed = options.has("DETAILED_ACCOUNTS");
  const ps = currentPatchset(c);
  const encoded = encodeURIComponent(c.project);
  const out: Json = {
    id: `${encoded}~${c.number}`,
    triplet_id: `${encoded}~${encodeURIComponent(c.branch)}~${c.changeId}`,
    project: c.project,
    branch: c.branch,
    ...(c.topic ? { topic: c.topic } : {}),
    change_id: c.changeId,
    subject: ps.subject,
    status: c.status,
    created: formatTimestamp(c.created),
    updated: formatTimestamp(c.updated),
    ...(c.submitted !== undefined ? { submitted: formatTimestamp(c.submitted) } : {}),
    ...(c.submitter !== undefined ? { submitter: renderAccount(state.accounts.get(c.submitter), c.submitter, detailed) } : {}),
    ...(c.wip ? { work_in_progress: true } : {}),
    insertions: 1,
    deletions: 0,
    _number: c.number,
    current_revision_number: ps.number,
    meta_rev_id: c.metaRevId,
    owner: renderAccount(state.accounts.get(c.owner), c.owner, detailed),
  };
  const withCommit = options.has("CURRENT_COMMIT") || options.has("ALL_COMMITS");
  if (options.has("ALL_REVISIONS")) {
    out["current_revision"] = ps.sha;
    const revisions: Json = {};
    for (const p of c.patchsets) {
      revisions[p.sha] = renderRevision(state, c, p, options.has("ALL_COMMITS") || (withCommit && p === ps), detailed, options.has("ALL_FILES") || (options.has("CURRENT_FILES") && p === ps));
    }
    out["revisions"] = revisions;
  } else if (options.has("CURRENT_REVISION")) {
    out["current_revision"] = ps.sha;
    out["revisions"] = { [ps.sha]: renderRevision(state, c, ps, withCommit, detailed, options.has("CURRENT_FILES") || options.has("ALL_FILES")) };
  }
  if (options.has("LABELS") || options.has("DETAILED_LABELS")) out["labels"] = renderLabels(state, c, options.has("DETAILED_LABELS"));
  if (options.has("SUBMITTABLE") && isSubmittable(state, c)) out["submittable"] = true;
  if (options.has("SUBMIT_REQUIREMENTS")) {
    out["submit_requirements"] = requirementResults(state, c).map((r) => ({ ...r, is_legacy: false }));
  }
  if (options.has("MESSAGES")) {
    out["messages"] = c.messages.map((m) => ({
      id: m.id,
      author: renderAccount(state.accounts.get(m.author), m.author, detailed),
      date: formatTimestamp(m.date),
      message: m.message,
      _revision_number: m.revision,
      ...(m.tag ? { tag: m.tag } : {}),
    }));
  }
  return out;
}
