import { dirname, join } from "node:path";
import { redact, runGit } from "./git.ts";
import type { ProjectState } from "./types.ts";

export interface CheckoutOptions {
  /**
   * The URL written as the `origin` remote (any `user:password@` stripped first); no remote when
   * undefined. Nothing is fetched from it: it is there for builds and tools that read it.
   */
  readonly origin?: string;
}

/**
 * Makes `dest` a self-contained git repository checked out at `state.commit` on a local branch
 * named `state.branch`, holding the commit's whole history and the mirror's tags that point into
 * it, in its own object database: no alternates, no worktree pointer, nothing pointing into the
 * cache, so the directory still works once copied into a container.
 *
 * `git init`; then, at once, the mirror's `pack-objects --revs` writes one pack (and its index) of
 * exactly the objects reachable from the commit and those tags straight into the new repository,
 * and `read-tree -u` run on the mirror writes the files and the new repository's index; then the
 * refs. No fetch: no negotiation, no index-pack, no connectivity walk (the mirror is ours), and
 * not the mirror's other changes, states or loose objects, as a hardlinked clone would carry
 * (bench/merger/workspace.ts).
 * Only reads the mirror: no lock needed. Writes no reflog, hook samples or FETCH_HEAD, and no
 * credentials anywhere.
 */
export async function checkoutInto(
  mirror: string,
  state: Pick<ProjectState, "branch" | "commit">,
  dest: string,
  options: CheckoutOptions = {},
): Promise<void> {
  await runGit(dirname(dest), ["init", "--quiet", "--template=", `--initial-branch=${state.branch}`, dest]);
  const tags = await reachableTags(mirror, state.commit);
  const tips = [state.commit, ...tags.map((tag) => tag.sha)];
  const pack = join(dest, ".git", "objects", "pack", "pack");
  // The two halves at once, one per core: the pack, and the files and index read from the mirror.
  const halves = await Promise.allSettled([
    // --use-bitmap-index: on by default only for --stdout; the mirror's bitmap (RepoCache.maintain)
    // spares walking every tree of the history (5,000 commits: 0.36 s instead of 1.8 s).
    runGit(mirror, ["pack-objects", "--quiet", "--revs", "--use-bitmap-index", "--window=0", "--delta-base-offset", pack], { stdin: `${tips.join("\n")}\n` }),
    runGit(mirror, [`--git-dir=${mirror}`, `--work-tree=${dest}`, "read-tree", "--reset", "-u", state.commit], {
      env: { GIT_INDEX_FILE: join(dest, ".git", "index") },
    }),
  ]);
  // Both have ended (a failed workspace is deleted next: nothing may still be writing to it).
  for (const half of halves) if (half.status === "rejected") throw half.reason;
  const refs = [`create refs/heads/${state.branch} ${state.commit}`, ...tags.map((tag) => `create ${tag.ref} ${tag.sha}`)];
  await runGit(dest, ["-c", "core.logAllRefUpdates=false", "update-ref", "--stdin"], { stdin: `${refs.join("\n")}\n` });
  if (tags.length > 0) await runGit(dest, ["pack-refs", "--all"]);
  if (options.origin !== undefined) await runGit(dest, ["remote", "add", "origin", publicUrl(options.origin)]);
}

/**
 * Moves a checkout that `checkoutInto` made at `from` (and nobody has touched since) to
 * `state.commit`, writing only what differs: the objects `from` lacks go into one more pack, then
 * `read-tree -m -u` (a two-tree merge against the checkout's own index, which still matches
 * `from`) rewrites the files that changed, and the branch and the tags follow. The result is the
 * repository `checkoutInto(mirror, state, dest)` makes, but for a few objects of `from`'s history
 * that `state` may not reach. Only reads the mirror.
 */
export async function advanceCheckout(mirror: string, from: string, state: Pick<ProjectState, "branch" | "commit">, dest: string): Promise<void> {
  const tags = await reachableTags(mirror, state.commit);
  const pack = join(dest, ".git", "objects", "pack", "pack");
  const revs = [state.commit, ...tags.map((tag) => tag.sha), `^${from}`];
  await runGit(mirror, ["pack-objects", "--quiet", "--revs", "--window=0", "--delta-base-offset", pack], { stdin: `${revs.join("\n")}\n` });
  await runGit(dest, ["read-tree", "-m", "-u", from, state.commit]);
  const refs = [`update refs/heads/${state.branch} ${state.commit}`, ...tags.map((tag) => `update ${tag.ref} ${tag.sha}`)];
  await runGit(dest, ["-c", "core.logAllRefUpdates=false", "update-ref", "--stdin"], { stdin: `${refs.join("\n")}\n` });
  if (tags.length > 0) await runGit(dest, ["pack-refs", "--all"]);
}

/** The mirror's tags whose commits are in `commit`'s history (what `git describe` looks for). */
async function reachableTags(mirror: string, commit: string): Promise<{ ref: string; sha: string }[]> {
  const out = await runGit(mirror, ["for-each-ref", `--merged=${commit}`, "--format=%(objectname) %(refname)", "refs/tags/"]);
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [sha = "", ref = ""] = line.split(" ");
      return { sha, ref };
    });
}

/** A URL with any user name and password removed: a workspace's config must carry no credentials. */
export function publicUrl(url: string): string {
  return redact(url).replace(/^([a-z][a-z0-9+.-]*:\/\/)\*\*\*@/i, "$1");
}
