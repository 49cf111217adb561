import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GateboxError, InputError } from "../../../src/errors.ts";
import { TreeMismatchError } from "../../../src/merger/errors.ts";
import type { GitMerger } from "../../../src/merger/git-merger.ts";
import type { WorkspaceStrategy } from "../../../src/merger/types.ts";
import { tarDirectory } from "../../../src/merger/workspace.ts";
import { git } from "../../support/git-fixtures.ts";
import { MergerHarness } from "./harness.ts";

let h: MergerHarness;
beforeEach(() => {
  h = new MergerHarness();
});
afterEach(async () => {
  await h.cleanup();
});

async function twoProjectState(merger: GitMerger) {
  await h.repo("org/app", { "README": "app\n", "src/main.sh": "echo main\n" });
  await h.repo("org/lib", { "lib.txt": "lib\n" });
  const a = await h.change("org/app", 1, { "src/main.sh": "echo changed\n", "new/file.txt": "new\n" });
  const b = await h.change("org/lib", 2, { "lib.txt": "lib v2\n" });
  return merger.merge({ changes: [a, b] });
}

/** Lists a tar stream's member names with the system tar. */
async function tarMembers(stream: NodeJS.ReadableStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  const list = Bun.spawnSync(["tar", "-t", "-f", "-"], { stdin: Buffer.concat(chunks) });
  expect(list.exitCode).toBe(0);
  return list.stdout.toString().split("\n").filter(Boolean);
}

describe("workspaces", () => {
  for (const strategy of ["checkout", "archive", "worktree", "clone-shared", "clone-reference"] as WorkspaceStrategy[]) {
    it(`${strategy}: checks out every project at its speculative commit, then is removed`, async () => {
      const merger = await h.merger({ workspaceStrategy: strategy });
      const state = await twoProjectState(merger);
      const ws = await merger.prepareWorkspace(state, "build-1");
      expect(ws.strategy).toBe(strategy);
      expect(ws.projects["org/app"]).toBe(join(ws.dir, "org/app"));
      expect(await readFile(join(ws.dir, "org/app/src/main.sh"), "utf8")).toBe("echo changed\n");
      expect(await readFile(join(ws.dir, "org/app/new/file.txt"), "utf8")).toBe("new\n");
      expect(await readFile(join(ws.dir, "org/lib/lib.txt"), "utf8")).toBe("lib v2\n");
      if (strategy !== "archive") {
        const head = (await git(join(ws.dir, "org/app"), ["rev-parse", "HEAD"])).trim();
        expect(head).toBe(state["org/app"]!.commit);
        expect((await git(join(ws.dir, "org/app"), ["status", "--porcelain"])).trim()).toBe("");
      }
      await expect(merger.prepareWorkspace(state, "build-1")).rejects.toBeInstanceOf(GateboxError);
      await merger.removeWorkspace(ws);
      expect(existsSync(ws.dir)).toBe(false);
      await merger.removeWorkspace(ws); // idempotent
      const again = await merger.prepareWorkspace(state, "build-1"); // the name is free again
      await merger.removeWorkspace(again);
      if (strategy === "worktree") {
        const list = await git(merger_cache(merger), ["worktree", "list"]);
        expect(list).not.toContain(ws.dir);
      }
    });
  }

  it("streams a tar of the workspace with project paths, leaving .git out by default", async () => {
    const merger = await h.merger({ workspaceStrategy: "clone-shared" });
    const state = await twoProjectState(merger);
    const ws = await merger.prepareWorkspace(state, "tar-me");
    const members = await tarMembers(merger.workspaceTar(ws));
    expect(members).toContain("./org/app/src/main.sh");
    expect(members).toContain("./org/app/new/file.txt");
    expect(members).toContain("./org/lib/lib.txt");
    expect(members.some((m) => m.includes(".git"))).toBe(false);
    const withGit = await tarMembers(merger.workspaceTar(ws, { includeGit: true }));
    expect(withGit).toContain("./org/app/.git/HEAD");
    // The content round-trips.
    const chunks: Buffer[] = [];
    for await (const chunk of merger.workspaceTar(ws)) chunks.push(Buffer.from(chunk as Buffer));
    const out = Bun.spawnSync(["tar", "-x", "-O", "-f", "-", "./org/lib/lib.txt"], { stdin: Buffer.concat(chunks) });
    expect(out.stdout.toString()).toBe("lib v2\n");
  });

  it("replaces a workspace directory left over by a crashed process", async () => {
    const merger = await h.merger();
    const state = await twoProjectState(merger);
    const root = (merger as unknown as { options: { workspaceRoot: string } }).options.workspaceRoot;
    await Bun.write(join(root, "build-7", "org/app", "stale.txt"), "from before the crash\n");
    const ws = await merger.prepareWorkspace(state, "build-7");
    expect(existsSync(join(ws.dir, "org/app", "stale.txt"))).toBe(false);
    expect(await readFile(join(ws.dir, "org/lib/lib.txt"), "utf8")).toBe("lib v2\n");
    await merger.removeWorkspace(ws);
  });

  it("a tar stream of a missing workspace errors instead of ending quietly", async () => {
    const merger = await h.merger();
    const stream = merger.workspaceTar({ dir: "/nonexistent/ws", state: {}, projects: {}, strategy: "archive" });
    await expect(tarMembers(stream)).rejects.toThrow(/tar of \/nonexistent\/ws failed/);
  });

  it("cleans up a half-prepared workspace when a project cannot be checked out", async () => {
    const merger = await h.merger();
    const state = await twoProjectState(merger);
    const broken = { ...state, "org/lib": { ...state["org/lib"]!, commit: "0".repeat(40) } };
    await expect(merger.prepareWorkspace(broken, "broken")).rejects.toThrow();
    const root = (merger as unknown as { options: { workspaceRoot: string } }).options.workspaceRoot;
    expect(existsSync(join(root, "broken"))).toBe(false);
  });
});

function merger_cache(merger: GitMerger): string {
  return (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf("org/app");
}

describe("verifyTree", () => {
  it("matches when the branch holds the tested tree, and is loud when it does not", async () => {
    const remote = await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "b.txt": "b\n" });
    const merger = await h.merger({ workspaceStrategy: "archive" });
    const tested = (await merger.merge({ changes: [a], submitTypes: { "org/app": "CHERRY_PICK" } }))["org/app"]!;
    // Gerrit cherry-picks with its own footers: a different commit, the same tree.
    const landed = await remote.commit(await remote.tip(), { "b.txt": "b\n" }, "Change 1\n\nReviewed-on: x\n");
    await git(remote.dir, ["update-ref", "refs/heads/main", landed]);
    expect(await merger.verifyTree("org/app", "main", tested.tree)).toEqual({
      branch: "main",
      commit: landed,
      tree: tested.tree,
    });
    await remote.advance({ "c.txt": "someone pushed\n" });
    const error = await merger.verifyTree("org/app", "main", tested.tree).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TreeMismatchError);
    expect((error as Error).message).toMatch(/^TREE MISMATCH in org\/app main/);
  });
});

describe("state refs", () => {
  it("keeps each state on a private ref until gc removes the old ones", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "b.txt": "b\n" });
    let now = 1_000_000;
    const merger = await h.merger({ now: () => now });
    await merger.merge({ changes: [a] });
    now += 60_000;
    await merger.merge({ changes: [a] });
    const refs = async () =>
      (await git(merger_cache(merger), ["for-each-ref", "--format=%(refname)", "refs/gatebox/"])).trim().split("\n");
    expect(await refs()).toHaveLength(2);
    expect(await merger.gc(30_000)).toBe(1);
    expect(await refs()).toHaveLength(1);
    expect((await refs())[0]).toMatch(/^refs\/gatebox\/states\/1060000-/);
    expect(await merger.gc(30_000)).toBe(0);
  });

  it("refuses work after close, and close may be called twice", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "b.txt": "b\n" });
    const merger = await h.merger();
    const running = merger.merge({ changes: [a] });
    await merger.close();
    await expect(running).resolves.toBeDefined();
    await merger.close();
    await expect(merger.merge({ changes: [a] })).rejects.toThrow(/closed/);
  });
});

describe("tarDirectory with a prefix (extracted at / by a copying runner)", () => {
  it("names every member under the prefix and leaves link targets as they are", async () => {
    const dir = await h.fixtures.tempDir("gatebox-prefixed-");
    await Bun.write(join(dir, "proj", "f.txt"), "f\n");
    Bun.spawnSync(["ln", "-s", "../../..", join(dir, "proj", "up")]);
    const chunks: Buffer[] = [];
    for await (const chunk of tarDirectory(dir, { prefix: "home/ci" })) chunks.push(Buffer.from(chunk as Buffer));
    const list = Bun.spawnSync(["tar", "-tv", "-f", "-"], { stdin: Buffer.concat(chunks) }).stdout.toString();
    const names = list.split("\n").filter(Boolean).map((line) => line.split(/\s+/).slice(5).join(" "));
    expect(names).toEqual(["home/ci/", "home/ci/proj/", "home/ci/proj/f.txt", "home/ci/proj/up -> ../../.."]);
  });

  it("refuses a prefix that could leave the extraction root or confuse tar", () => {
    for (const prefix of ["../x", "a/../b", "/abs", "a,b", "a b", ".", ""]) {
      expect(() => tarDirectory("/nonexistent", { prefix })).toThrow(InputError);
    }
  });
});
