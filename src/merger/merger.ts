import type { Readable } from "node:stream";
import type { MergeRequest, ProjectState, RepoState, Workspace } from "./types.ts";

export interface WorkspaceTarOptions {
  /** Include `.git`; the default depends on the workspace's strategy (see `workspaceTar`). */
  readonly includeGit?: boolean;
  /**
   * Who owns the files in the container: the user the build runs as (default root, 0:0). git
   * refuses to work in a repository another user owns ("dubious ownership").
   */
  readonly owner?: { readonly uid: number; readonly gid: number };
  /**
   * Members named under this relative path (`work` for a workdir `/work`) instead of `.`, for a
   * consumer that extracts the stream at `/`; link targets are left as they are. Docker's archive
   * API refuses a relative link that leads out of the directory it extracts into (`../../..` in a
   * repository), and nothing leads out of `/`. Segments of `[A-Za-z0-9._+-]`, never `.` or `..`.
   */
  readonly prefix?: string;
}

/**
 * Builds speculative repository states for items and the workspaces their builds run in.
 *
 * Lifecycle: construct → any number of concurrent calls → `close()`. `close()` waits for the
 * operations in flight, refuses new ones, and is safe to call twice. The repo cache on disk
 * outlives the process; workspaces do not (remove them when the build ends).
 *
 * Concurrency: every method may be called concurrently. Merges run up to a configured limit at
 * once; a project's repository is mutated (fetch, ref updates, worktrees) by one operation at a
 * time, so merges of different projects proceed in parallel and merges of one project queue up.
 *
 * Errors, by whose fault they are:
 * - `MergeConflictError` (src/merger/errors.ts): the change's. The chain cannot be merged; it names
 *   the change being merged, the conflicting files and, when it can, the earlier change in the
 *   chain that touched them. Retrying the same chain gives the same answer. May vote -1.
 * - `InfraError`: ours. Fetch failed, repository or ref missing, git crashed. Retry; never vote.
 * - `InputError`: the caller's. Invalid project name, one project on two branches in one chain.
 * - `TreeMismatchError` (from `verifyTree` only): loud; what landed is not what was tested.
 *
 * Idempotence: `merge` is deterministic (the same branch tips and patchsets give the same
 * commits); `removeWorkspace` may be called twice or on a half-prepared workspace; `gc` may run
 * at any time (states younger than its age limit, and the kept ones, survive it).
 */
export interface Merger {
  /**
   * Fetches what is needed, then, per project touched by `request.changes`, starts from the branch
   * tip and applies each change in order (the item itself last) per the project's submit type.
   * The resulting commits are kept on private refs (`refs/gatebox/states/…`) until `gc`.
   */
  merge(request: MergeRequest): Promise<RepoState>;

  /**
   * Materialises `state` under the workspace root as `<root>/<name>/<project>` (one directory per
   * project, checked out at its speculative commit). With the default strategy each project is a
   * self-contained git repository: `HEAD` on a local branch named like the target branch at the
   * state's commit, its history and tags, a clean work tree, no credentials. `name` (e.g. the
   * build id) must be unique among live workspaces, [A-Za-z0-9._-]+; a directory of that name
   * left over by an earlier process (a crash mid-build) is deleted first, and before the first
   * workspace the implementation sweeps every leftover. On failure nothing is left behind.
   */
  prepareWorkspace(state: RepoState, name: string): Promise<Workspace>;

  /** Deletes a workspace (and any bookkeeping in the cache). Idempotent. */
  removeWorkspace(workspace: Workspace): Promise<void>;

  /**
   * A tar stream of the workspace's contents (paths relative to the workspace directory, i.e.
   * `<project>/…`), for Docker's putArchive. `.git` is included by default when the workspace's
   * strategy makes self-contained repositories (`checkout`, the default); otherwise only with
   * `includeGit` (a worktree's or shared clone's `.git` points into the host's cache and dangles
   * in a container). Members belong to `owner` (default root). The stream errors (InfraError)
   * if tar fails.
   */
  workspaceTar(workspace: Workspace, options?: WorkspaceTarOptions): Readable;

  /**
   * After a submit: fetches `branch` and compares with `expectedTree` the tree of the commit the
   * submit produced: `landed` (the change's commit as merged) or the merge commit that took it in,
   * found on the branch's first-parent history; without `landed`, the branch tip. Returns that
   * commit on a match; throws TreeMismatchError on a mismatch.
   */
  verifyTree(project: string, branch: string, expectedTree: string, landed?: string): Promise<ProjectState>;

  /**
   * Deletes private state refs older than `maxAgeMs`, except those pointing at a commit in `keep`
   * (the states the driver still holds: items in a queue, builds that may still need a
   * workspace); returns how many refs were deleted. Without `keep`, age alone decides, so a caller
   * that still holds states must pass them. Also repacks the mirrors that need it into one pack
   * with a reachability bitmap (what keeps workspaces cheap), losing no object.
   */
  gc(maxAgeMs: number, keep?: ReadonlySet<string>): Promise<number>;

  close(): Promise<void>;
}
