/**
 * Real git on the simulator's bare repos: commits are built with plumbing in a throwaway index (no
 * worktree needed), merges, cherry-picks and rebases run in a temporary `git worktree`, refs move with
 * `git update-ref` exactly as Gerrit's JGit would move them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Identity {
  name: string;
  email: string;
  /** Epoch milliseconds; git keeps whole seconds. */
  date: number;
}

function identityEnv(author: Identity, committer: Identity = author): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: `${Math.floor(author.date / 1000)} +0000`,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: `${Math.floor(committer.date / 1000)} +0000`,
  };
}

export async function git(
  cwd: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): Promise<GitResult> {
  const proc = Bun.spawn(["git", ...args], {
    cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...opts.env },
    stdin: opts.input === undefined ? "ignore" : new TextEncoder().encode(opts.input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Like git() but throws on a non-zero exit, naming the command. */
export async function gitOk(
  cwd: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): Promise<string> {
  const r = await git(cwd, args, opts);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export async function initBare(dir: string, branch: string): Promise<void> {
  await gitOk("/", ["init", "--quiet", "--bare", `--initial-branch=${branch}`, dir]);
}

/**
 * Writes a commit whose tree is `parent`'s tree with `files` applied (string = content, null = delete).
 * Uses a private index file so concurrent writers never share one.
 */
export async function writeCommit(
  repo: string,
  opts: { parents: string[]; files: Record<string, string | null>; message: string; author: Identity },
): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), "gerrit-sim-index-"));
  const env = { GIT_INDEX_FILE: join(tmp, "index") };
  try {
    const base = opts.parents[0];
    if (base) await gitOk(repo, ["read-tree", base], { env });
    else await gitOk(repo, ["read-tree", "--empty"], { env });
    for (const [path, content] of Object.entries(opts.files)) {
      if (content === null) {
        // --force-remove wants a work tree; an index-info line with mode 0 removes the entry without one.
        await gitOk(repo, ["update-index", "--index-info"], { env, input: `0 ${"0".repeat(40)}\t${path}\n` });
        continue;
      }
      const blob = await gitOk(repo, ["hash-object", "-w", "--stdin"], { input: content });
      await gitOk(repo, ["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], { env });
    }
    const tree = await gitOk(repo, ["write-tree"], { env });
    const parentArgs = opts.parents.flatMap((p) => ["-p", p]);
    return await gitOk(repo, ["commit-tree", tree, ...parentArgs, "-F", "-"], {
      env: identityEnv(opts.author),
      input: opts.message,
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function revParse(repo: string, rev: string): Promise<string | undefined> {
  const r = await git(repo, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const r = await git(repo, ["merge-base", "--is-ancestor", ancestor, descendant]);
  return r.code === 0;
}

export async function updateRef(repo: string, ref: string, sha: string, old?: string): Promise<void> {
  await gitOk(repo, ["update-ref", ref, sha, ...(old ? [old] : [])]);
}

export async function treeOf(repo: string, rev: string): Promise<string> {
  return gitOk(repo, ["rev-parse", `${rev}^{tree}`]);
}

/** Commits reachable from `head` but not from `base`, oldest first. */
export async function revList(repo: string, base: string, head: string): Promise<string[]> {
  const out = await gitOk(repo, ["rev-list", "--reverse", `${base}..${head}`]);
  return out ? out.split("\n") : [];
}

/**
 * Runs `fn` in a detached temporary worktree of the bare repo checked out at `at`, then removes it.
 * `fn` gets a helper that runs git there as `who`.
 */
export async function inWorktree<T>(
  repo: string,
  at: string,
  who: Identity,
  fn: (run: (args: string[], input?: string) => Promise<GitResult>) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "gerrit-sim-wt-"));
  await gitOk(repo, ["worktree", "add", "--quiet", "--detach", dir, at]);
  try {
    const env = identityEnv(who);
    return await fn((args, input) =>
      git(dir, ["-c", "commit.gpgsign=false", ...args], input === undefined ? { env } : { env, input }),
    );
  } finally {
    await git(repo, ["worktree", "remove", "--force", dir]);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Gerrit-like FileInfo for each path changed between `parent` and `commit`. */
export async function fileInfos(repo: string, parent: string, commit: string): Promise<Record<string, { status?: "A" | "D"; lines_inserted?: number; lines_deleted?: number; binary?: boolean }>> {
  const status = await gitOk(repo, ["diff-tree", "-r", "--no-renames", "--name-status", parent, commit]);
  const numstat = await gitOk(repo, ["diff-tree", "-r", "--no-renames", "--numstat", parent, commit]);
  const out: Record<string, { status?: "A" | "D"; lines_inserted?: number; lines_deleted?: number; binary?: boolean }> = {};
  for (const line of status.split("\n").filter(Boolean)) {
    const [code, path] = line.split("\t");
    out[path!] = code === "A" || code === "D" ? { status: code } : {};
  }
  for (const line of numstat.split("\n").filter(Boolean)) {
    const [ins, del, path] = line.split("\t");
    const info = out[path!];
    if (!info) continue;
    if (ins === "-") info.binary = true;
    else {
      if (Number(ins) > 0) info.lines_inserted = Number(ins);
      if (Number(del) > 0) info.lines_deleted = Number(del);
    }
  }
  return out;
}
