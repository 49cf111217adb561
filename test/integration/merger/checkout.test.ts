import { existsSync, lstatSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InfraError } from "../../../src/errors.ts";
import type { GitMerger } from "../../../src/merger/git-merger.ts";
import type { RepoState } from "../../../src/merger/types.ts";
import { git } from "../../support/git-fixtures.ts";
import { MergerHarness } from "./harness.ts";
import { twoChangesOnAOneOnB } from "./states.ts";

// The default workspace: a self-contained git checkout per project, real git throughout.

let h: MergerHarness;
beforeEach(() => {
  h = new MergerHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const cacheDirOf = (merger: GitMerger) => (merger as unknown as { options: { cacheDir: string } }).options.cacheDir;

/** Every file under `dir` whose content holds `needle`. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) found.push(path);
  }
  return found;
}

/** Extracts a workspace's tar stream into a fresh directory (what a container receives). */
async function extract(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  const dir = await h.fixtures.tempDir("gatebox-extracted-");
  const tar = Bun.spawnSync(["tar", "-x", "-f", "-", "-C", dir], { stdin: Buffer.concat(chunks) });
  expect(tar.exitCode).toBe(0);
  return dir;
}

async function expectCheckout(dir: string, state: RepoState, project: string, subjects: string[]) {
  const at = join(dir, project);
  expect(lstatSync(join(at, ".git")).isDirectory()).toBe(true);
  expect(existsSync(join(at, ".git", "objects", "info", "alternates"))).toBe(false);
  expect((await git(at, ["rev-parse", "HEAD"])).trim()).toBe(state[project]!.commit);
  expect((await git(at, ["symbolic-ref", "--short", "HEAD"])).trim()).toBe(state[project]!.branch);
  expect((await git(at, ["log", "--format=%s", "-3"])).trim().split("\n")).toEqual(subjects);
  expect(await git(at, ["status", "--porcelain"])).toBe("");
  await git(at, ["fsck", "--full", "--no-dangling"]);
}

describe("checkout workspaces (the default)", () => {
  it("gives every project a real, clean, self-contained checkout on the target branch, with history", async () => {
    const state0 = await twoChangesOnAOneOnB(h);
    const merger = await h.merger();
    const state = await merger.merge(state0.request);
    const ws = await merger.prepareWorkspace(state, "build-1");
    expect(ws.strategy).toBe("checkout");
    await expectCheckout(ws.dir, state, "A", ["A: second change", "A: first change", "Initial import"]);
    await expectCheckout(ws.dir, state, "B", ["B: the change", "Initial import"]);
    const a = ws.projects.A!;
    expect((await git(a, ["diff", "--name-only", "HEAD~1"])).trim()).toBe("src/two.txt");
    // Tags in the history come along (git describe finds them); tags elsewhere do not.
    expect((await git(a, ["describe", "--tags"])).trim()).toMatch(/^v1\.0-2-g[0-9a-f]{7,}$/);
    expect((await git(a, ["tag"])).trim()).toBe("v1.0");
    // Only the state's history: none of the mirror's other objects (the unrelated commit).
    await git(join(cacheDirOf(merger), "A.git"), ["cat-file", "-e", state0.unrelated]);
    await expect(git(a, ["cat-file", "-e", state0.unrelated])).rejects.toThrow();
    await merger.removeWorkspace(ws);
    expect(existsSync(ws.dir)).toBe(false);
  });

  it("still works copied elsewhere with the cache gone; the tar carries .git by default", async () => {
    const { request } = await twoChangesOnAOneOnB(h);
    const merger = await h.merger();
    const state = await merger.merge(request);
    const ws = await merger.prepareWorkspace(state, "build-2");
    const copy = await extract(merger.workspaceTar(ws));
    expect(existsSync(join(await extract(merger.workspaceTar(ws, { includeGit: false })), "A", ".git"))).toBe(false);
    await merger.removeWorkspace(ws);
    await rm(cacheDirOf(merger), { recursive: true, force: true });
    await expectCheckout(copy, state, "A", ["A: second change", "A: first change", "Initial import"]);
    await expectCheckout(copy, state, "B", ["B: the change", "Initial import"]);
    expect((await git(join(copy, "A"), ["describe", "--always"])).trim()).toMatch(/^v1\.0-2-g/);
    // With the cache gone, a workspace cannot be made: an InfraError, and nothing left behind.
    await expect(merger.prepareWorkspace(state, "build-3")).rejects.toBeInstanceOf(InfraError);
    expect(existsSync(join(ws.dir, "..", "build-3"))).toBe(false);
  });

  it("writes no credentials: origin is the project's URL without them, or no remote at all", async () => {
    const { request } = await twoChangesOnAOneOnB(h);
    const merger = await h.merger({
      credentials: () => ({ username: "gatebox", password: "s3cret-token" }),
      workspaceOrigin: (project) => `https://gatebox:s3cret-token@review.example.org/a/${project}`,
    });
    const state = await merger.merge(request);
    const ws = await merger.prepareWorkspace(state, "build-4");
    for (const project of ["A", "B"]) {
      const config = await git(ws.projects[project]!, ["config", "--list"]);
      expect(config).toContain(`remote.origin.url=https://review.example.org/a/${project}\n`);
      expect(config).not.toMatch(/s3cret|gatebox@|extraheader|authorization|credential/i);
    }
    expect(await filesHolding(ws.dir, "s3cret")).toEqual([]);
    // Nothing points back into the host's cache either.
    expect(await filesHolding(ws.dir, cacheDirOf(merger))).toEqual([]);
    await merger.removeWorkspace(ws);

    const bare = await h.merger({ workspaceOrigin: () => null });
    const ws2 = await bare.prepareWorkspace(await bare.merge(request), "build-5");
    expect((await git(ws2.projects.A!, ["remote"])).trim()).toBe("");
    await bare.removeWorkspace(ws2);
  });
});

describe("leftover workspaces", () => {
  it("are swept before the first workspace of a new process, in a root gatebox marked as its own", async () => {
    const { request } = await twoChangesOnAOneOnB(h);
    const root = await h.fixtures.tempDir("gatebox-ws-");
    const crashed = await h.merger({ workspaceRoot: root });
    const state = await crashed.merge(request);
    await crashed.prepareWorkspace(state, "build-1"); // never removed: the process "crashes"
    await crashed.prepareWorkspace(state, "build-2");
    await Bun.write(join(root, "stray.txt"), "half-written\n");

    const next = await h.merger({ workspaceRoot: root, cacheDir: cacheDirOf(crashed) });
    const ws = await next.prepareWorkspace(state, "build-3");
    expect((await readdir(root)).sort()).toEqual([".gatebox-workspaces", "build-3"]);
    await next.removeWorkspace(ws);
  });

  it("cleanWorkspaces keeps what it is told to, and the live ones", async () => {
    const { request } = await twoChangesOnAOneOnB(h);
    const root = await h.fixtures.tempDir("gatebox-ws-");
    const crashed = await h.merger({ workspaceRoot: root });
    const state = await crashed.merge(request);
    await crashed.prepareWorkspace(state, "old-1");
    await crashed.prepareWorkspace(state, "old-2");

    const next = await h.merger({ workspaceRoot: root, cacheDir: cacheDirOf(crashed) });
    expect(await next.cleanWorkspaces((name) => name === "old-2")).toEqual(["old-1"]);
    const live = await next.prepareWorkspace(state, "new-1"); // no second sweep: old-2 stays
    expect((await readdir(root)).sort()).toEqual([".gatebox-workspaces", "new-1", "old-2"]);
    expect(await next.cleanWorkspaces()).toEqual(["old-2"]);
    expect(existsSync(live.dir)).toBe(true);
    await next.removeWorkspace(live);
  });

  it("never sweeps a root that held other files when gatebox first used it", async () => {
    const { request } = await twoChangesOnAOneOnB(h);
    const root = await mkdtemp(join(tmpdir(), "gatebox-not-ours-"));
    try {
      await Bun.write(join(root, "precious", "data.txt"), "not gatebox's\n");
      const merger = await h.merger({ workspaceRoot: root });
      const ws = await merger.prepareWorkspace(await merger.merge(request), "build-1");
      expect(await merger.cleanWorkspaces()).toEqual([]);
      expect(await readFile(join(root, "precious", "data.txt"), "utf8")).toBe("not gatebox's\n");
      await merger.removeWorkspace(ws);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
