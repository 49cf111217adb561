import { GateboxError } from "../errors.ts";
import { type ChangeRef, changeLabel } from "./types.ts";

/**
 * The change's fault: it cannot be merged onto the state ahead of it. The item may be voted -1
 * ("merge-conflict"); retrying the same chain gives the same answer.
 */
export class MergeConflictError extends GateboxError {
  constructor(
    /** The change being merged when the merge failed. */
    readonly change: ChangeRef,
    /** The conflicting paths (empty for a fast-forward that is not possible). */
    readonly files: readonly string[],
    /** The nearest earlier change in the chain that touched one of `files`, when there is one. */
    readonly conflictsWith: ChangeRef | undefined,
    /** Every earlier change in the chain that touched one of `files`, in queue order. */
    readonly touchedBy: readonly ChangeRef[],
    readonly reason: "conflict" | "fast-forward-impossible",
  ) {
    super(conflictMessage(change, files, conflictsWith, reason));
  }
}

function conflictMessage(
  change: ChangeRef,
  files: readonly string[],
  conflictsWith: ChangeRef | undefined,
  reason: MergeConflictError["reason"],
): string {
  const where = `change ${changeLabel(change)} (${change.project}) cannot be merged onto ${change.branch}`;
  if (reason === "fast-forward-impossible") {
    return `${where}: the submit type is FAST_FORWARD_ONLY and the change is not based on the state ahead of it`;
  }
  const blame = conflictsWith ? ` with change ${changeLabel(conflictsWith)}` : " with the branch tip";
  return `${where}: merge conflict in ${files.join(", ")}${blame}`;
}

/**
 * Loud and nobody's fault we can name: after submitting, the branch's tree differs from the tree
 * that was tested (someone pushed meanwhile, or the server merged differently). Never ignore it.
 */
export class TreeMismatchError extends GateboxError {
  constructor(
    readonly project: string,
    readonly branch: string,
    readonly expectedTree: string,
    readonly actualTree: string,
    readonly actualCommit: string,
  ) {
    super(
      `TREE MISMATCH in ${project} ${branch}: the branch tip ${actualCommit} has tree ${actualTree}, ` +
        `but the gate tested tree ${expectedTree}`,
    );
  }
}
