/**
 * The REST endpoints of REST-SUBSET.md over the simulator's state. The path arrives without the `/a`
 * prefix; `who` is the authenticated account (undefined for anonymous requests). Errors are plain text,
 * successes JSON behind the `)]}'` guard, as Gerrit answers.
 */
import { git } from "./git.ts";
import { type SimAccount, type SimChange, currentPatchset } from "./model.ts";
import { QueryError, parseQuery } from "./query.ts";
import { renderChange } from "./render.ts";
import { applyReview } from "./review.ts";
import { type GerritState, type ReviewInput, SimHttpError } from "./state.ts";
import { submit, submittedTogether } from "./submit.ts";

export const XSSI = ")]}'\n";

export function json(body: unknown, status = 200): Response {
  return new Response(`${XSSI}${JSON.stringify(body, null, 2)}\n`, {
    status,
    headers: { "Content-Type": "application/json; charset=UTF-8" },
  });
}

export function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, { status, headers: { "Content-Type": "text/plain; charset=UTF-8", ...headers } });
}

const DETAIL_OPTIONS = ["LABELS", "DETAILED_LABELS", "DETAILED_ACCOUNTS", "MESSAGES"];
const MAX_LIMIT = 500;

function findChange(state: GerritState, id: string): SimChange {
  const parts = id.split("~");
  let found: SimChange | undefined;
  if (parts.length === 2 && /^\d+$/.test(parts[1]!)) {
    const c = state.changes.get(Number(parts[1]));
    if (c && c.project === parts[0]) found = c;
  } else if (parts.length === 1 && /^\d+$/.test(id)) {
    found = state.changes.get(Number(id));
  } else if (parts.length === 3) {
    found = [...state.changes.values()].find((c) => c.project === parts[0] && c.branch === parts[1] && c.changeId === parts[2]);
  } else if (parts.length === 1) {
    const all = [...state.changes.values()].filter((c) => c.changeId === id);
    if (all.length === 1) found = all[0];
  }
  if (!found) throw new SimHttpError(404, `Not found: ${id}`);
  return found;
}

/** Anonymous requests see only projects with anonymous read; every account sees everything. */
function visible(state: GerritState, c: SimChange, who: SimAccount | undefined): boolean {
  return who !== undefined || state.project(c.project).anonymousRead;
}

function findRevision(c: SimChange, rev: string) {
  if (rev === "current") return currentPatchset(c);
  const ps = c.patchsets.find((p) => p.sha === rev || String(p.number) === rev || (rev.length >= 4 && p.sha.startsWith(rev)));
  if (!ps) throw new SimHttpError(404, `Not found: ${rev}`);
  return ps;
}

function requireAuth(who: SimAccount | undefined): SimAccount {
  if (!who) throw new SimHttpError(403, "Authentication required");
  return who;
}

async function readJson(req: Request): Promise<Record<string, unknown>> {
  const body = await req.text();
  if (!body.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch {
    throw new SimHttpError(400, "Invalid JSON in request body");
  }
}

export async function handleRest(state: GerritState, req: Request, path: string, who: SimAccount | undefined): Promise<Response> {
  try {
    return await route(state, req, path, who);
  } catch (err) {
    if (err instanceof SimHttpError) return text(err.status, err.text);
    if (err instanceof QueryError) return text(400, err.message);
    throw err;
  }
}

async function route(state: GerritState, req: Request, path: string, who: SimAccount | undefined): Promise<Response> {
  const url = new URL(req.url);
  const seg = path.split("/").slice(1).map((s) => decodeURIComponent(s));
  const options = new Set(url.searchParams.getAll("o"));
  const get = req.method === "GET";
  const post = req.method === "POST";
  if (seg[0] === "changes" && seg.length === 2 && seg[1] === "" && get) return query(state, url, options, who);
  if (seg[0] === "changes" && seg[1]) {
    const change = findChange(state, seg[1]);
    if (!visible(state, change, who)) throw new SimHttpError(404, `Not found: ${seg[1]}`);
    const rest = seg.slice(2);
    if (rest.length === 0 && get) return json(renderChange(state, change, options));
    if (rest[0] === "detail" && rest.length === 1 && get) return json(renderChange(state, change, new Set([...options, ...DETAIL_OPTIONS])));
    if (rest[0] === "submitted_together" && get) {
      const set = await submittedTogether(state, change);
      return json(set.length > 1 ? set.reverse().map((c) => renderChange(state, c, options)) : []);
    }
    if (rest[0] === "submit" && rest.length === 1 && post) return doSubmit(state, change, requireAuth(who));
    if (rest[0] === "abandon" && post) return doStatus(state, change, requireAuth(who), "ABANDONED", req);
    if (rest[0] === "restore" && post) return doStatus(state, change, requireAuth(who), "NEW", req);
    if (rest[0] === "revisions" && rest[1] && rest.length === 3) {
      const ps = findRevision(change, rest[1]);
      if (rest[2] === "review" && post) {
        const account = requireAuth(who);
        const body = await readJson(req);
        const labels = await state.exclusive(() => applyReview(state, change, ps.number, account, body as ReviewInput));
        return json({ labels });
      }
      if (rest[2] === "submit" && post) return doSubmit(state, change, requireAuth(who), rest[1]);
      if (rest[2] === "related" && get) return json({ changes: related(state, change, ps.sha) });
    }
  }
  if (seg[0] === "projects" && seg[1] && seg.length >= 3) {
    const project = state.project(seg[1]);
    if (seg[2] === "branches" && get) {
      return json(await listBranches(project.dir));
    }
    if (seg[2] === "config" && get) {
      return json({ submit_type: project.submitType, default_submit_type: { value: project.submitType, configured_value: project.submitType, inherited_value: "MERGE_IF_NECESSARY" } });
    }
  }
  if (path === "/config/server/version" && get) return json("3.10.2");
  if (path === "/accounts/self" && get) {
    const a = requireAuth(who);
    return json({ _account_id: a.id, name: a.name, email: a.email, username: a.username });
  }
  return text(404, "Not found");
}

function query(state: GerritState, url: URL, options: ReadonlySet<string>, who: SimAccount | undefined): Response {
  const q = url.searchParams.get("q") ?? "status:open";
  const pred = parseQuery(q, { accounts: state.accounts, now: state.now() });
  const limitText = url.searchParams.get("n") ?? url.searchParams.get("limit");
  const skipText = url.searchParams.get("S") ?? url.searchParams.get("start");
  const limit = Math.min(limitText ? Number(limitText) : MAX_LIMIT, MAX_LIMIT);
  const skip = skipText ? Number(skipText) : 0;
  if (!Number.isInteger(limit) || limit <= 0 || !Number.isInteger(skip) || skip < 0) throw new SimHttpError(400, "invalid limit or start");
  const matches = [...state.changes.values()]
    .filter((c) => visible(state, c, who) && pred(c))
    .sort((a, b) => b.updated - a.updated || b.number - a.number);
  const page = matches.slice(skip, skip + limit).map((c) => renderChange(state, c, options));
  if (skip + limit < matches.length && page.length > 0) page[page.length - 1]!["_more_changes"] = true;
  return json(page);
}

async function doSubmit(state: GerritState, change: SimChange, who: SimAccount, revision?: string): Promise<Response> {
  await state.exclusive(() => submit(state, change, who, revision));
  return json(renderChange(state, change, new Set(["CURRENT_REVISION"])));
}

async function doStatus(state: GerritState, change: SimChange, who: SimAccount, status: "ABANDONED" | "NEW", req: Request): Promise<Response> {
  const body = await readJson(req);
  await state.exclusive(() => state.setStatus(change, status, who, typeof body["message"] === "string" ? body["message"] : undefined));
  return json(renderChange(state, change, new Set()));
}

/** Changes in the same git chain as `sha`, newest first; empty when it stands alone. */
function related(state: GerritState, change: SimChange, sha: string) {
  const inProject = [...state.changes.values()].filter((c) => c.project === change.project);
  const bySha = new Map<string, { c: SimChange; ps: (typeof change.patchsets)[number] }>();
  for (const c of inProject) for (const ps of c.patchsets) bySha.set(ps.sha, { c, ps });
  const chain: { c: SimChange; ps: (typeof change.patchsets)[number] }[] = [];
  // Ancestors: walk parents while they are patchsets of changes.
  let cur = bySha.get(sha);
  while (cur) {
    chain.push(cur);
    cur = bySha.get(cur.ps.parent);
  }
  // Descendants: current patchsets whose ancestry reaches `sha`.
  for (const c of inProject) {
    if (chain.some((e) => e.c === c)) continue;
    let p = bySha.get(currentPatchset(c).sha);
    const path: typeof chain = [];
    while (p && p.ps.sha !== sha) {
      path.push(p);
      p = bySha.get(p.ps.parent);
    }
    if (p) for (const e of path) if (!chain.some((x) => x.c === e.c)) chain.unshift(e);
  }
  if (chain.length <= 1) return [];
  return chain.map(({ c, ps }) => ({
    project: c.project,
    change_id: c.changeId,
    commit: { commit: ps.sha, parents: [{ commit: ps.parent }], subject: ps.subject },
    _change_number: c.number,
    _revision_number: ps.number,
    _current_revision_number: currentPatchset(c).number,
    status: c.status,
  }));
}

async function listBranches(dir: string) {
  const out = await git(dir, ["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/", "refs/meta/config"]);
  const head = (await git(dir, ["symbolic-ref", "--short", "HEAD"])).stdout.trim();
  const rows: { ref: string; revision: string }[] = [{ ref: "HEAD", revision: head }];
  for (const line of out.stdout.trim().split("\n").filter(Boolean)) {
    const [ref, revision] = line.split(" ");
    rows.push({ ref: ref!, revision: revision! });
  }
  return rows;
}
