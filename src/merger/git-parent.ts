/**
 * Git-parent dependencies: a change whose commit's parent is another open change's patchset
 * depends on that change (Gerrit submits it too). Pure; the input is what Gerrit's
 * `GET /changes/{id}/revisions/{rev}/related` returns (REST-SUBSET.md).
 */
export interface RelatedChangeInfo {
  readonly project: string;
  readonly change_id: string;
  readonly commit: { readonly commit: string; readonly parents?: readonly { readonly commit: string }[] };
  readonly _change_number?: number;
  readonly _revision_number?: number;
  readonly _current_revision_number?: number;
  readonly status?: string;
}

export interface GitParentDependency {
  readonly project: string;
  readonly number: number;
  readonly changeId: string;
  /** The patchset the commit is based on. */
  readonly patchset: number;
  /** True when that patchset is not the parent change's current one (the change needs a rebase). */
  readonly outdated: boolean;
}

/**
 * The open change among `related` whose commit is one of `parents` (the first parent first), or
 * undefined when the commit sits on the branch (or on merged or abandoned changes).
 */
export function gitParentDependency(
  parents: readonly string[],
  related: readonly RelatedChangeInfo[],
): GitParentDependency | undefined {
  for (const parent of parents) {
    const found = related.find((change) => change.commit.commit === parent);
    if (!found || found._change_number === undefined) continue;
    if (found.status !== undefined && found.status !== "NEW") continue;
    const patchset = found._revision_number ?? 0;
    return {
      project: found.project,
      number: found._change_number,
      changeId: found.change_id,
      patchset,
      outdated: found._current_revision_number !== undefined && found._current_revision_number !== patchset,
    };
  }
  return undefined;
}
