import type { GitRunner } from "./git.ts";
import type { SubmitType } from "./types.ts";

/** What the merger needs to know about one commit. */
export interface CommitInfo {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly authorName: string;
  readonly authorEmail: string;
  /** Raw git date, `<epoch> <tz>`. */
  readonly authorDate: string;
  readonly committerDate: string;
  readonly message: string;
}

export interface Head {
  readonly commit: string;
  readonly tree: string;
}

export type StepResult =
  | { readonly ok: true; readonly commit: string; readonly tree: string }
  | { readonly ok: false; readonly files: readonly string[]; readonly reason: "conflict" | "fast-forward-impossible" };

export interface Identity {
  readonly name: string;
  readonly email: string;
}

/**
 * Applies one change's commit onto a head, per submit type, entirely in the object database:
 * `git merge-tree --write-tree` computes trees, `git commit-tree` writes commits, so no work tree
 * is checked out and nothing but objects is written (callers publish refs under the repo lock).
 *
 * Commits are deterministic: the new commit's dates are the change's own, so the same head and
 * change always give the same SHA (which makes results reusable across items).
 *
 * git 2.39 has no `merge-tree --merge-base`, so a cherry-pick (a 3-way merge whose base is the
 * change's parent) is computed by merging two synthetic commits that share a synthetic base
 * commit holding the parent's tree.
 */
export class MergeSteps {
  private emptyTree: string | undefined;

  constructor(
    private readonly git: GitRunner,
    private readonly identity: Identity,
  ) {}

  async info(sha: string): Promise<CommitInfo> {
    const format = ["%H", "%T", "%P", "%an", "%ae", "%ad", "%cd", "%B"].join("%x00");
    const out = await this.git.run(["log", "-1", "--date=raw", `--format=${format}`, sha, "--"]);
    const [hash, tree, parents, authorName, authorEmail, authorDate, committerDate, ...rest] = out.split("\0");
    return {
      sha: hash ?? sha,
      tree: tree ?? "",
      parents: (parents ?? "").split(" ").filter(Boolean),
      authorName: authorName ?? "",
      authorEmail: authorEmail ?? "",
      authorDate: authorDate ?? "",
      committerDate: committerDate ?? "",
      message: rest.join("\0").replace(/\n+$/, "\n"),
    };
  }

  /** True when `ancestor` is reachable from `descendant` (or equal to it). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    if (ancestor === descendant) return true;
    const out = await this.git.run(["rev-list", "-n", "1", ancestor, `^${descendant}`]);
    return out.trim() === "";
  }

  async apply(head: Head, change: CommitInfo, type: SubmitType, branch: string): Promise<StepResult> {
    // Already on the branch (merged meanwhile, or brought in by an earlier change): nothing to do.
    if (await this.isAncestor(change.sha, head.commit)) return { ok: true, ...head };
    const fastForward = await this.isAncestor(head.commit, change.sha);
    switch (type) {
      case "FAST_FORWARD_ONLY":
        return fastForward
          ? { ok: true, commit: change.sha, tree: change.tree }
          : { ok: false, files: [], reason: "fast-forward-impossible" };
      case "MERGE_IF_NECESSARY":
        return fastForward ? { ok: true, commit: change.sha, tree: change.tree } : this.merge(head, change, branch);
      case "MERGE_ALWAYS":
        return this.merge(head, change, branch);
      case "REBASE_IF_NECESSARY":
        return fastForward ? { ok: true, commit: change.sha, tree: change.tree } : this.pick(head, change);
      case "REBASE_ALWAYS":
      case "CHERRY_PICK":
        return this.pick(head, change);
    }
  }

  /** The paths a change modifies relative to its first parent (for conflict attribution). */
  async touchedFiles(change: CommitInfo): Promise<string[]> {
    const base = change.parents[0] ?? (await this.getEmptyTree());
    const out = await this.git.run(["diff-tree", "-r", "-z", "--name-only", "--no-commit-id", base, change.sha]);
    return out.split("\0").filter(Boolean);
  }

  private async merge(head: Head, change: CommitInfo, branch: string): Promise<StepResult> {
    const merged = await this.mergeTree(head.commit, change.sha);
    if ("files" in merged) return { ok: false, files: merged.files, reason: "conflict" };
    const subject = change.message.split("\n", 1)[0] ?? "";
    const commit = await this.commitTree(merged.tree, [head.commit, change.sha], `Merge "${subject}" into ${branch}\n`, {
      author: this.identity,
      authorDate: change.committerDate,
      committerDate: change.committerDate,
    });
    return { ok: true, commit, tree: merged.tree };
  }

  /** A cherry-pick (and a rebase, which differs only in what Gerrit writes into the message). */
  private async pick(head: Head, change: CommitInfo): Promise<StepResult> {
    const parent = change.parents[0];
    const baseTree = parent ? await this.treeOf(parent) : await this.getEmptyTree();
    let tree: string;
    if (baseTree === head.tree) {
      tree = change.tree;
    } else {
      // A fixed date keeps the scratch commits identical between runs (git reuses the objects).
      const fixed = { author: this.identity, authorDate: "1000000000 +0000", committerDate: "1000000000 +0000" };
      const base = await this.commitTree(baseTree, [], "gatebox: cherry-pick base\n", fixed);
      const ours = await this.commitTree(head.tree, [base], "gatebox: ours\n", fixed);
      const theirs = await this.commitTree(change.tree, [base], "gatebox: theirs\n", fixed);
      const merged = await this.mergeTree(ours, theirs);
      if ("files" in merged) return { ok: false, files: merged.files, reason: "conflict" };
      tree = merged.tree;
    }
    const commit = await this.commitTree(tree, [head.commit], change.message, {
      author: { name: change.authorName, email: change.authorEmail },
      authorDate: change.authorDate,
      committerDate: change.committerDate,
    });
    return { ok: true, commit, tree };
  }

  private async mergeTree(ours: string, theirs: string): Promise<{ tree: string } | { files: string[] }> {
    const out = await this.git.runLenient(["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs]);
    const [tree, ...files] = out.split("\0").filter(Boolean);
    if (!tree) throw new Error(`git merge-tree printed no tree for ${ours} ${theirs}`);
    return files.length > 0 ? { files: [...new Set(files)] } : { tree };
  }

  private async commitTree(
    tree: string,
    parents: readonly string[],
    message: string,
    who: { author: Identity; authorDate: string; committerDate: string },
  ): Promise<string> {
    const args = ["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-m", message];
    const out = await this.git.run(args, {
      GIT_AUTHOR_NAME: who.author.name,
      GIT_AUTHOR_EMAIL: who.author.email,
      GIT_AUTHOR_DATE: who.authorDate,
      GIT_COMMITTER_NAME: this.identity.name,
      GIT_COMMITTER_EMAIL: this.identity.email,
      GIT_COMMITTER_DATE: who.committerDate,
    });
    return out.trim();
  }

  private async treeOf(commit: string): Promise<string> {
    return (await this.git.run(["rev-parse", `${commit}^{tree}`])).trim();
  }

  private async getEmptyTree(): Promise<string> {
    this.emptyTree ??= (await this.git.run(["hash-object", "-t", "tree", "-w", "/dev/null"])).trim();
    return this.emptyTree;
  }
}
