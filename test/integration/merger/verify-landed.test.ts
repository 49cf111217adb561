import { afterEach, describe, expect, it } from "vitest";
import { TreeMismatchError } from "../../../src/merger/errors.ts";
import { git } from "../../support/git-fixtures.ts";
import { MergerHarness } from "./harness.ts";

// After a submit the driver checks the commit the submit produced, not the branch tip: later
// submits land on top within seconds, and comparing with the tip then was a false alarm.

let h: MergerHarness;
afterEach(async () => {
  await h.cleanup();
});

describe("verifyTree with the landed commit", () => {
  it("finds the change's commit under later submits and compares its tree, not the tip's", async () => {
    h = new MergerHarness();
    const remote = await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "b.txt": "b\n" });
    const merger = await h.merger();
    const tested = (await merger.merge({ changes: [a], submitTypes: { "org/app": "FAST_FORWARD_ONLY" } }))["org/app"]!;
    // The submit fast-forwards to the change's commit; another change lands on top right after.
    await git(remote.dir, ["update-ref", "refs/heads/main", a.commit]);
    await remote.advance({ "c.txt": "the next change\n" });
    expect(await merger.verifyTree("org/app", "main", tested.tree, a.commit)).toEqual({ branch: "main", commit: a.commit, tree: tested.tree });
    // Without the landed commit the tip is compared: the old false alarm.
    expect(await merger.verifyTree("org/app", "main", tested.tree).catch((e: unknown) => e)).toBeInstanceOf(TreeMismatchError);
  });

  it("finds the merge commit a submit made for the change, and is loud when its tree differs", async () => {
    h = new MergerHarness();
    const remote = await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "b.txt": "b\n" });
    const merger = await h.merger();
    const tested = (await merger.merge({ changes: [a], submitTypes: { "org/app": "MERGE_ALWAYS" } }))["org/app"]!;
    // Gerrit's merge commit (same tree as tested), then a later change on top.
    const tip = await remote.tip();
    const mergeTree = (await git(remote.dir, ["rev-parse", `${a.commit}^{tree}`])).trim();
    expect(mergeTree).toBe(tested.tree);
    const merge = (await git(remote.dir, ["-c", "user.name=Gerrit", "-c", "user.email=gerrit@example.invalid", "commit-tree", mergeTree, "-p", tip, "-p", a.commit, "-m", "Merge change 1"])).trim();
    await git(remote.dir, ["update-ref", "refs/heads/main", merge]);
    await remote.advance({ "c.txt": "the next change\n" });
    expect((await merger.verifyTree("org/app", "main", tested.tree, a.commit)).commit).toBe(merge);
    // A landed tree that is not the tested one is a mismatch.
    const wrong = await merger.verifyTree("org/app", "main", "0".repeat(40), a.commit).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(TreeMismatchError);
  });
});
