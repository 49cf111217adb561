import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MergeConflictError } from "../../../src/merger/errors.ts";
import type { GitMerger } from "../../../src/merger/git-merger.ts";
import type { SubmitType } from "../../../src/merger/types.ts";
import { git } from "../../support/git-fixtures.ts";
import { MergerHarness } from "./harness.ts";

let h: MergerHarness;
beforeEach(() => {
  h = new MergerHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const cacheOf = (merger: GitMerger) =>
  (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf("org/app");
const parentsOf = async (dir: string, commit: string) =>
  (await git(dir, ["rev-list", "--parents", "-n", "1", commit])).trim().split(" ").slice(1);
const field = async (dir: string, commit: string, format: string) =>
  (await git(dir, ["log", "-1", `--format=${format}`, commit])).trim();

/** Two independent changes on the tip touching different files, and one stacked on the first. */
async function scene() {
  const remote = await h.repo("org/app", { "a.txt": "a\n", "b.txt": "b\n" });
  const tip = await remote.tip();
  const x = await h.change("org/app", 1, { "a.txt": "a from 1\n" });
  const y = await h.change("org/app", 2, { "b.txt": "b from 2\n" });
  const z = await h.change("org/app", 3, { "c.txt": "c from 3\n" }, { parent: x.commit });
  return { remote, tip, x, y, z };
}

async function mergeWith(type: SubmitType, changes: Parameters<GitMerger["merge"]>[0]["changes"]) {
  const merger = await h.merger();
  const state = await merger.merge({ changes, submitTypes: { "org/app": type } });
  return { merger, dir: cacheOf(merger), result: state["org/app"]! };
}

describe("submit types", () => {
  it("cherry-pick and merge give the same tree but different parents", async () => {
    const { tip, x, y } = await scene();
    const merged = await mergeWith("MERGE_IF_NECESSARY", [x, y]);
    const picked = await mergeWith("CHERRY_PICK", [x, y]);
    expect(picked.result.tree).toBe(merged.result.tree);
    // Merge: x fast-forwards, y arrives in a merge commit whose parents are x and y.
    expect(await parentsOf(merged.dir, merged.result.commit)).toEqual([x.commit, y.commit]);
    // Cherry-pick: a line of new single-parent commits on the tip, authors and messages kept.
    const [pickedX] = await parentsOf(picked.dir, picked.result.commit);
    expect(pickedX).not.toBe(x.commit);
    expect(await parentsOf(picked.dir, pickedX!)).toEqual([tip]);
    expect(await field(picked.dir, picked.result.commit, "%an <%ae>%n%B")).toBe(
      `Ann Author <ann@example.org>\n${await field(picked.dir, y.commit, "%B")}`,
    );
    expect(await field(picked.dir, picked.result.commit, "%cn")).toBe("gatebox");
  });

  it("MERGE_ALWAYS makes a merge commit even when a fast-forward is possible", async () => {
    const { tip, x } = await scene();
    const { dir, result } = await mergeWith("MERGE_ALWAYS", [x]);
    expect(await parentsOf(dir, result.commit)).toEqual([tip, x.commit]);
    expect(result.tree).toBe(await h.repos.get("org/app")!.treeOf(x.commit));
  });

  it("REBASE_IF_NECESSARY fast-forwards when it can and rebases otherwise", async () => {
    const { x, y } = await scene();
    const { dir, result } = await mergeWith("REBASE_IF_NECESSARY", [x, y]);
    expect(await parentsOf(dir, result.commit)).toEqual([x.commit]);
    expect(result.commit).not.toBe(y.commit);
    expect(await git(dir, ["show", `${result.commit}:a.txt`])).toBe("a from 1\n");
    expect(await git(dir, ["show", `${result.commit}:b.txt`])).toBe("b from 2\n");
  });

  it("REBASE_ALWAYS rewrites even a change based on the tip", async () => {
    const { tip, x } = await scene();
    const { dir, result } = await mergeWith("REBASE_ALWAYS", [x]);
    expect(result.commit).not.toBe(x.commit);
    expect(await parentsOf(dir, result.commit)).toEqual([tip]);
    expect(result.tree).toBe(await h.repos.get("org/app")!.treeOf(x.commit));
  });

  it("FAST_FORWARD_ONLY lands a stacked chain as it is and refuses anything else", async () => {
    const { x, y, z } = await scene();
    const stacked = await mergeWith("FAST_FORWARD_ONLY", [x, z]);
    expect(stacked.result.commit).toBe(z.commit);
    const merger = await h.merger();
    const error = await merger
      .merge({ changes: [x, y], submitTypes: { "org/app": "FAST_FORWARD_ONLY" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    const conflict = error as MergeConflictError;
    expect(conflict.reason).toBe("fast-forward-impossible");
    expect(conflict.change.number).toBe(2);
    expect(conflict.conflictsWith?.number).toBe(1);
    expect(conflict.files).toEqual([]);
  });

  it("cherry-picks a change stacked on an earlier change of the chain, applying only its own diff", async () => {
    const { x, y, z } = await scene();
    const { dir, result } = await mergeWith("CHERRY_PICK", [y, x, z]);
    for (const [path, content] of [
      ["a.txt", "a from 1\n"],
      ["b.txt", "b from 2\n"],
      ["c.txt", "c from 3\n"],
    ] as const) {
      expect(await git(dir, ["show", `${result.commit}:${path}`])).toBe(content);
    }
    // Without x ahead, cherry-picking z alone must not bring x's change along.
    const alone = await mergeWith("CHERRY_PICK", [z]);
    expect(await git(alone.dir, ["show", `${alone.result.commit}:a.txt`])).toBe("a\n");
  });

  it("names the conflicting files for cherry-pick and rebase conflicts too", async () => {
    await h.repo("org/app", { "a.txt": "base\n" });
    const p = await h.change("org/app", 7, { "a.txt": "seven\n" });
    const q = await h.change("org/app", 8, { "a.txt": "eight\n" });
    for (const type of ["CHERRY_PICK", "REBASE_IF_NECESSARY", "REBASE_ALWAYS", "MERGE_ALWAYS"] as const) {
      const merger = await h.merger();
      const error = await merger.merge({ changes: [p, q], submitTypes: { "org/app": type } }).catch((e: unknown) => e);
      expect(error, type).toBeInstanceOf(MergeConflictError);
      expect((error as MergeConflictError).files).toEqual(["a.txt"]);
      expect((error as MergeConflictError).conflictsWith?.number).toBe(7);
    }
  });

  it("treats a change already on the branch as a no-op", async () => {
    const { remote, x } = await scene();
    await git(remote.dir, ["update-ref", "refs/heads/main", x.commit]);
    for (const type of ["MERGE_ALWAYS", "CHERRY_PICK", "FAST_FORWARD_ONLY"] as const) {
      const { result } = await mergeWith(type, [x]);
      expect(result.commit, type).toBe(x.commit);
    }
  });
});
