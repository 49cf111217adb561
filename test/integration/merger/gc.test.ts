import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { git } from "../../support/git-fixtures.ts";
import { MergerHarness } from "./harness.ts";

// gc of the merger's private state refs, with real git: old states go, young ones and the ones the
// driver still holds stay, and a kept state still builds a workspace once git has pruned the rest.

const HOUR = 60 * 60 * 1000;
const CHERRY_PICK = { "org/app": "CHERRY_PICK" } as const;

let h: MergerHarness;
beforeEach(() => {
  h = new MergerHarness();
});
afterEach(async () => {
  await h.cleanup();
});

/** sha → ref name of every state ref in the mirror. */
async function stateRefs(mirror: string): Promise<Map<string, string>> {
  const out = await git(mirror, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/gatebox/states/"]);
  const refs = new Map<string, string>();
  for (const line of out.trim().split("\n")) {
    const [sha, ref] = line.split(" ");
    if (sha && ref) refs.set(sha, ref);
  }
  return refs;
}

/** A merger on a fake clock and three states of org/app: two made two hours ago, one just now. */
async function threeStates() {
  await h.repo("org/app", { "a.txt": "a\n" });
  const c1 = await h.change("org/app", 1, { "one.txt": "1\n" });
  const c2 = await h.change("org/app", 2, { "two.txt": "2\n" });
  const c3 = await h.change("org/app", 3, { "three.txt": "3\n" });
  const cacheDir = await h.fixtures.tempDir("gatebox-cache-");
  const clock = { now: 10 * HOUR };
  const merger = await h.merger({ cacheDir, now: () => clock.now });
  // Cherry-picks write new commits, reachable only from the state refs (unlike a fast-forward).
  const old = (await merger.merge({ changes: [c1], submitTypes: CHERRY_PICK }))["org/app"]!;
  const kept = (await merger.merge({ changes: [c2], submitTypes: CHERRY_PICK }))["org/app"]!;
  clock.now += 2 * HOUR;
  const young = (await merger.merge({ changes: [c3], submitTypes: CHERRY_PICK }))["org/app"]!;
  expect(old.commit).not.toBe(c1.commit);
  return { merger, mirror: join(cacheDir, "org/app.git"), old, kept, young };
}

describe("merger gc", () => {
  it("prunes old state refs, keeps young ones and the ones still held, even when old", async () => {
    const { merger, mirror, old, kept, young } = await threeStates();
    expect([...(await stateRefs(mirror)).keys()].sort()).toEqual([old.commit, kept.commit, young.commit].sort());

    expect(await merger.gc(HOUR, new Set([kept.commit]))).toBe(1);
    const left = await stateRefs(mirror);
    expect([...left.keys()].sort()).toEqual([kept.commit, young.commit].sort());
    // Nothing else to prune while the kept state is still held.
    expect(await merger.gc(HOUR, new Set([kept.commit]))).toBe(0);

    // Once the driver lets go of it, the kept state is as old as any and goes too; the young one stays.
    expect(await merger.gc(HOUR)).toBe(1);
    expect([...(await stateRefs(mirror)).keys()]).toEqual([young.commit]);
    expect(await merger.gc(3 * HOUR)).toBe(0);
  });

  it("still prepares a workspace from a kept state after git has pruned unreachable objects", async () => {
    const { merger, mirror, old, kept } = await threeStates();
    expect(await merger.gc(HOUR, new Set([kept.commit]))).toBe(1);
    // What an operator's `git gc` (or a later automatic one) does to the mirror.
    await git(mirror, ["reflog", "expire", "--expire=now", "--all"]);
    await git(mirror, ["gc", "--quiet", "--prune=now"]);
    await expect(git(mirror, ["cat-file", "-e", `${old.commit}^{commit}`])).rejects.toThrow();

    const ws = await merger.prepareWorkspace({ "org/app": kept }, "after-gc");
    const dir = ws.projects["org/app"]!;
    expect(await readFile(join(dir, "two.txt"), "utf8")).toBe("2\n");
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("a\n");
    expect(existsSync(join(dir, "one.txt"))).toBe(false);
    await merger.removeWorkspace(ws);
  });

  it("packs a mirror and writes its bitmap when it is made, then when gc finds it needs it, losing no object", async () => {
    const { merger, mirror, old, kept } = await threeStates();
    const packDir = join(mirror, "objects", "pack");
    const bitmaps = async () => (await readdir(packDir)).filter((f) => f.endsWith(".bitmap"));
    expect(await bitmaps()).toHaveLength(1); // written after the first fetch
    const loose = await git(mirror, ["count-objects", "-v"]);
    expect(loose).not.toMatch(/^count: 0$/m); // the merges' commits
    // A few loose objects and a bitmap: nothing to do.
    expect(await merger.gc(HOUR, new Set([kept.commit]))).toBe(1);
    expect((await git(mirror, ["count-objects", "-v"])).split("\n")[0]).toBe(loose.split("\n")[0]);
    // A mirror without a bitmap (made by an older gatebox) gets one at the next gc.
    for (const file of await readdir(packDir)) {
      if (file.startsWith("multi-pack-index") || file.endsWith(".bitmap")) await rm(join(packDir, file));
    }
    expect(await merger.gc(HOUR, new Set([kept.commit]))).toBe(0);
    expect(await bitmaps()).toHaveLength(1);
    expect(await git(mirror, ["count-objects", "-v"])).toMatch(/^count: 0$/m);
    // The state whose ref went is unreachable now, and still there.
    await git(mirror, ["cat-file", "-e", `${old.commit}^{commit}`]);
    const ws = await merger.prepareWorkspace({ "org/app": kept }, "after-repack");
    expect((await git(ws.projects["org/app"]!, ["log", "--format=%s"])).trim().split("\n")).toHaveLength(2);
    expect(await git(ws.projects["org/app"]!, ["status", "--porcelain"])).toBe("");
    await merger.removeWorkspace(ws);
  });

  it("counts state refs across projects and ignores kept commits of other projects", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    await h.repo("org/lib", { "l.txt": "l\n" });
    const app = await h.change("org/app", 1, { "b.txt": "b\n" });
    const lib = await h.change("org/lib", 2, { "m.txt": "m\n" });
    const clock = { now: 10 * HOUR };
    const merger = await h.merger({ now: () => clock.now });
    const state = await merger.merge({ changes: [app, lib] });
    clock.now += 2 * HOUR;
    expect(await merger.gc(HOUR, new Set([state["org/lib"]!.commit]))).toBe(1);
    expect(await merger.gc(HOUR)).toBe(1);
  });

  it("has nothing to do before the first merge", async () => {
    const merger = await h.merger();
    expect(await merger.gc(0, new Set(["0".repeat(40)]))).toBe(0);
  });
});
