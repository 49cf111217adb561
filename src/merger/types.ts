/** How a project's changes land on its branch (Gerrit's submit types). */
export type SubmitType =
  | "MERGE_IF_NECESSARY"
  | "MERGE_ALWAYS"
  | "CHERRY_PICK"
  | "REBASE_IF_NECESSARY"
  | "REBASE_ALWAYS"
  | "FAST_FORWARD_ONLY";

export const SUBMIT_TYPES: readonly SubmitType[] = [
  "MERGE_IF_NECESSARY",
  "MERGE_ALWAYS",
  "CHERRY_PICK",
  "REBASE_IF_NECESSARY",
  "REBASE_ALWAYS",
  "FAST_FORWARD_ONLY",
];

/** One patchset of a Gerrit change, as the merger needs it. */
export interface ChangeRef {
  readonly project: string;
  readonly branch: string;
  readonly number: number;
  readonly patchset: number;
  /** The patchset ref; defaults to `refs/changes/NN/N/P` (REST-SUBSET.md). */
  readonly ref?: string;
  /** The patchset's commit when known; a fetched ref pointing elsewhere is an InfraError. */
  readonly commit?: string;
}

/** The speculative state of one project: the commit (and its tree) a build tests. */
export interface ProjectState {
  readonly branch: string;
  readonly commit: string;
  readonly tree: string;
}

/** project → its speculative state; one entry per project touched by the chain (plus extras). */
export type RepoState = Readonly<Record<string, ProjectState>>;

export interface MergeRequest {
  /** The changes ahead of the item in queue order, then the item itself, last. */
  readonly changes: readonly ChangeRef[];
  /** Submit type per project; MERGE_IF_NECESSARY when absent. */
  readonly submitTypes?: Readonly<Record<string, SubmitType>>;
  /** Projects the build needs that no change touches: included at their branch tip. */
  readonly extraProjects?: readonly { readonly project: string; readonly branch: string }[];
}

/** A directory holding every project of a state at `<dir>/<project>`, checked out at its commit. */
export interface Workspace {
  readonly dir: string;
  readonly state: RepoState;
  /** project → absolute path of its checkout. */
  readonly projects: Readonly<Record<string, string>>;
  readonly strategy: WorkspaceStrategy;
}

/**
 * How a workspace is materialised from the repo cache (bench/merger/workspace.ts measures them):
 * - `checkout` (the default): `git init` + `git fetch <cache> <commit>` + `read-tree -u`: a
 *   self-contained repository on a local branch named like the target branch, with history;
 * - `archive`: `git archive | tar -x`; files only, no `.git` (self-contained, the fastest);
 * - `worktree`: `git worktree add --detach` on the cache; `.git` is a pointer into the cache;
 * - `clone-shared`: `git clone --shared` + checkout; objects borrowed via alternates;
 * - `clone-reference`: `git clone --reference` + checkout; the same borrowing, by another path.
 */
export type WorkspaceStrategy = "checkout" | "archive" | "worktree" | "clone-shared" | "clone-reference";

/** `1234,2`: Zuul's way of naming a patchset in messages. */
export function changeLabel(change: Pick<ChangeRef, "number" | "patchset">): string {
  return `${change.number},${change.patchset}`;
}

/** The ref Gerrit keeps a patchset under: `refs/changes/34/1234/2`, `refs/changes/05/5/1`. */
export function changeRefName(change: Pick<ChangeRef, "number" | "patchset" | "ref">): string {
  if (change.ref) return change.ref;
  const shard = String(change.number % 100).padStart(2, "0");
  return `refs/changes/${shard}/${change.number}/${change.patchset}`;
}
