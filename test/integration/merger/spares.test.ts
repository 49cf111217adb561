import { existsSync, lstatSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { GitMerger } from "../../../src/merger/git-merger.ts";
import type { RepoState } from "../../../src/merger/types.ts";
import { git } from "../../support/git-fixtures.ts";
import { MergerHarness } from "./harness.ts";

// Spare checkouts (src/merger/spares.ts): a workspace made from a spare is the checkout a fresh
// one would be, whatever the branch did meanwhile, and nothing of an earlier build is reused.

let h: MergerHarness;
beforeEach(() => {
  h = new MergerHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const rootOf = (merger: GitMerger) => (merger as unknown as { options: { workspaceRoot: string } }).options.workspaceRoot;
const spares = async (merger: GitMerger) => (existsSync(join(rootOf(merger), ".spares")) ? readdir(join(rootOf(merger), ".spares")) : []);

/** What `git ls-files -s` and the work tree say of a checkout, and its refs. */
async function snapshot(dir: string): Promise<string> {
  const refs = await git(dir, ["for-each-ref", "--format=%(refname) %(objectname)"]);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes("/.git"))
    .map((e) => join(e.parentPath, e.name).slice(dir.length));
  const contents = await Promise.all(files.sort().map(async (f) => `${f}: ${await readFile(join(dir, f), "utf8")}`));
  return `${refs}${await git(dir, ["ls-files", "-s"])}${contents.join("")}`;
}

async function expectClean(dir: string, state: RepoState, subjects: string[]) {
  expect(lstatSync(join(dir, ".git")).isDirectory()).toBe(true);
  expect(existsSync(join(dir, ".git", "objects", "info", "alternates"))).toBe(false);
  expect((await git(dir, ["rev-parse", "HEAD"])).trim()).toBe(state.A!.commit);
  expect((await git(dir, ["symbolic-ref", "--short", "HEAD"])).trim()).toBe("main");
  expect((await git(dir, ["log", "--format=%s"])).trim().split("\n")).toEqual(subjects);
  expect(await git(dir, ["status", "--porcelain", "--ignored"])).toBe("");
  await git(dir, ["fsck", "--full", "--no-dangling"]);
}

it("a workspace made from a spare equals a fresh checkout, after the branch moved, a file deleted and a tag added", async () => {
  const a = await h.repo("A", { "README": "a\n", "gone.txt": "to delete\n", "src/keep.txt": "keep\n" });
  const merger = await h.merger();
  const c1 = await h.change("A", 1, { "one.txt": "one\n" });
  const first = await merger.prepareWorkspace(await merger.merge({ changes: [c1] }), "b1");
  expect(await spares(merger)).toEqual([]);
  // A build leaves things behind: they must not reach the next build.
  writeFileSync(join(first.projects.A!, "src", "keep.txt"), "changed by a build\n");
  writeFileSync(join(first.projects.A!, ".git", "hooks-left"), "x");
  await merger.removeWorkspace(first);
  expect((await spares(merger)).length).toBe(2);

  // Meanwhile the branch moves (the spares were made at the old tip), and gets a tag.
  await a.advance({ "gone.txt": null, "src/new.txt": "new on the branch\n" }, "Direct push");
  await git(a.dir, ["tag", "v2", await a.tip()]);
  const c2 = await h.change("A", 2, { "two.txt": "two\n", "src/keep.txt": "keep, edited\n" });
  const state = await merger.merge({ changes: [c2] });
  const ws = await merger.prepareWorkspace(state, "b2");
  expect((await spares(merger)).length).toBe(1); // one was taken
  const subjects = ["Change 2", "Direct push", "Initial import"];
  await expectClean(ws.projects.A!, state, subjects);
  expect(existsSync(join(ws.projects.A!, "gone.txt"))).toBe(false);
  expect(existsSync(join(ws.projects.A!, "one.txt"))).toBe(false);
  expect(existsSync(join(ws.projects.A!, ".git", "hooks-left"))).toBe(false);
  expect((await git(ws.projects.A!, ["describe", "--tags"])).trim()).toMatch(/^v2-1-g/);

  // The same state checked out afresh by a merger without spares yet: the same files, index and refs.
  const other = await h.merger();
  expect(await other.merge({ changes: [c2] })).toEqual(state);
  const fresh = await other.prepareWorkspace(state, "fresh");
  expect(await snapshot(ws.projects.A!)).toBe(await snapshot(fresh.projects.A!));
  await merger.removeWorkspace(ws);
});

it("a spare at the very commit a build needs (a branch tip) is used as it is", async () => {
  await h.repo("A", { "README": "a\n" });
  const merger = await h.merger();
  const c1 = await h.change("A", 1, { "one.txt": "one\n" });
  await merger.removeWorkspace(await merger.prepareWorkspace(await merger.merge({ changes: [c1] }), "b1"));
  const tip: RepoState = { A: { ...(await merger.merge({ changes: [c1] })).A!, commit: (await h.repos.get("A")!.tip()) } };
  const ws = await merger.prepareWorkspace(tip, "b2");
  await expectClean(ws.projects.A!, tip, ["Initial import"]);
});
