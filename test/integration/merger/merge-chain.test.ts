import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InfraError, InputError } from "../../../src/errors.ts";
import { MergeConflictError } from "../../../src/merger/errors.ts";
import type { ChangeRef } from "../../../src/merger/types.ts";
import { git } from "../../support/git-fixtures.ts";
import { MergerHarness } from "./harness.ts";

let h: MergerHarness;
beforeEach(() => {
  h = new MergerHarness();
});
afterEach(async () => {
  await h.cleanup();
});

async function conflictOf(promise: Promise<unknown>): Promise<MergeConflictError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MergeConflictError);
  return error as MergeConflictError;
}

describe("GitMerger.merge: chains on one project", () => {
  it("merges a clean chain in queue order onto the branch tip", async () => {
    const remote = await h.repo("org/app", { "a.txt": "a\n", "b.txt": "b\n" });
    const a = await h.change("org/app", 101, { "a.txt": "a from 101\n" });
    const b = await h.change("org/app", 102, { "b.txt": "b from 102\n" });
    const c = await h.change("org/app", 103, { "c.txt": "new in 103\n" });
    const merger = await h.merger();

    const state = await merger.merge({ changes: [a, b, c] });
    const result = state["org/app"]!;
    expect(Object.keys(state)).toEqual(["org/app"]);
    expect(result.branch).toBe("main");
    // The cache holds the commit; the remote does not: read it through the cache.
    const cache = (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf("org/app");
    const show = (path: string) => git(cache, ["show", `${result.commit}:${path}`]);
    expect(await show("a.txt")).toBe("a from 101\n");
    expect(await show("b.txt")).toBe("b from 102\n");
    expect(await show("c.txt")).toBe("new in 103\n");
    expect((await git(cache, ["rev-parse", `${result.commit}^{tree}`])).trim()).toBe(result.tree);
    // The first change fast-forwards (MERGE_IF_NECESSARY); the others are merge commits in order.
    const firstParents = (await git(cache, ["rev-list", "--first-parent", result.commit])).trim().split("\n");
    expect(firstParents.slice(0, 3)).toEqual([firstParents[0], firstParents[1], a.commit]);
    expect(firstParents[3]).toBe(await remote.tip());
    expect((await git(cache, ["rev-parse", `${result.commit}^2`])).trim()).toBe(c.commit);
  });

  it("is deterministic: the same chain gives the same commit, also from a fresh cache", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "x.txt": "x\n" });
    const b = await h.change("org/app", 2, { "y.txt": "y\n" });
    const first = await (await h.merger()).merge({ changes: [a, b] });
    const again = await (await h.merger()).merge({ changes: [a, b] });
    expect(again).toEqual(first);
  });

  it("merges a chain again onto the new tip once the branch moved, reusing nothing merged onto the old one", async () => {
    const remote = await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "x.txt": "x\n" });
    const b = await h.change("org/app", 2, { "y.txt": "y\n" });
    const merger = await h.merger();
    const before = (await merger.merge({ changes: [a, b] }))["org/app"]!;
    const again = (await merger.merge({ changes: [a, b] }))["org/app"]!;
    expect(again).toEqual(before);
    const tip = await remote.advance({ "z.txt": "z\n" });
    const after = (await merger.merge({ changes: [a, b] }))["org/app"]!;
    expect(after.commit).not.toBe(before.commit);
    const cache = (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf("org/app");
    const firstParents = (await git(cache, ["rev-list", "--first-parent", after.commit])).trim().split("\n");
    expect(firstParents).toContain(tip);
    expect((await git(cache, ["show", `${after.commit}:z.txt`]))).toBe("z\n");
  });

  it("names the conflicting files, the change being merged and the earlier change", async () => {
    await h.repo("org/app", { "a.txt": "1\n2\n3\n", "b.txt": "b\n", "c.txt": "c\n" });
    const a = await h.change("org/app", 11, { "a.txt": "one\n2\n3\n", "c.txt": "c from 11\n" });
    const b = await h.change("org/app", 12, { "b.txt": "b from 12\n" });
    const c = await h.change("org/app", 13, { "a.txt": "ONE\n2\n3\n", "c.txt": "c from 13\n" });
    const merger = await h.merger();

    const conflict = await conflictOf(merger.merge({ changes: [a, b, c] }));
    expect(conflict.reason).toBe("conflict");
    expect(conflict.change.number).toBe(13);
    expect([...conflict.files].sort()).toEqual(["a.txt", "c.txt"]);
    expect(conflict.conflictsWith?.number).toBe(11);
    expect(conflict.touchedBy.map((ch) => ch.number)).toEqual([11]);
    expect(conflict.message).toContain("13,1");
    expect(conflict.message).toContain("a.txt");
    expect(conflict.message).toContain("11,1");
  });

  it("a conflict vanishes when the conflicting change ahead is removed from the chain", async () => {
    await h.repo("org/app", { "a.txt": "base\n" });
    const a = await h.change("org/app", 21, { "a.txt": "from 21\n" });
    const b = await h.change("org/app", 22, { "b.txt": "b\n" });
    const c = await h.change("org/app", 23, { "a.txt": "from 23\n" });
    const merger = await h.merger();
    await conflictOf(merger.merge({ changes: [a, b, c] }));
    const state = await merger.merge({ changes: [b, c] });
    const cache = (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf("org/app");
    expect(await git(cache, ["show", `${state["org/app"]!.commit}:a.txt`])).toBe("from 23\n");
  });

  it("reports a conflict with the branch tip when no change ahead touched the files", async () => {
    const remote = await h.repo("org/app", { "a.txt": "base\n" });
    const c = await h.change("org/app", 31, { "a.txt": "mine\n" });
    await remote.advance({ "a.txt": "theirs\n" });
    const conflict = await conflictOf((await h.merger()).merge({ changes: [c] }));
    expect(conflict.files).toEqual(["a.txt"]);
    expect(conflict.conflictsWith).toBeUndefined();
    expect(conflict.message).toContain("branch tip");
  });

  it("reuses results for a prefix of the chain (items behind share the work of items ahead)", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    const changes: ChangeRef[] = [];
    for (let n = 1; n <= 4; n++) changes.push(await h.change("org/app", 40 + n, { [`f${n}.txt`]: `${n}\n` }));
    const merger = await h.merger();
    const prefix = await merger.merge({ changes: changes.slice(0, 3) });
    const full = await merger.merge({ changes });
    const cache = (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf("org/app");
    expect((await git(cache, ["rev-parse", `${full["org/app"]!.commit}^1`])).trim()).toBe(prefix["org/app"]!.commit);
  });

  it("fails with InfraError when the repository or a change ref is missing, never with a conflict", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    const merger = await h.merger();
    const ghost = { project: "org/ghost", branch: "main", number: 1, patchset: 1 };
    await expect(merger.merge({ changes: [ghost] })).rejects.toBeInstanceOf(InfraError);
    const missing = { project: "org/app", branch: "main", number: 999, patchset: 1 };
    await expect(merger.merge({ changes: [missing] })).rejects.toBeInstanceOf(InfraError);
    const badBranch = await h.change("org/app", 5, { "b.txt": "b\n" });
    await expect(merger.merge({ changes: [{ ...badBranch, branch: "nope" }] })).rejects.toThrow(
      /branch nope does not exist in org\/app/,
    );
  });

  it("refuses one project on two branches and project names that escape the cache", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "b.txt": "b\n" });
    const merger = await h.merger();
    await expect(merger.merge({ changes: [a, { ...a, branch: "stable" }] })).rejects.toBeInstanceOf(InputError);
    await expect(merger.merge({ changes: [{ ...a, project: "../etc" }] })).rejects.toBeInstanceOf(InputError);
  });

  it("fetches from a plain path as well as a file:// URL, and picks up new branch tips", async () => {
    const remote = await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "b.txt": "b\n" });
    const merger = await h.merger({ remoteUrl: () => remote.dir });
    const first = await merger.merge({ changes: [a] });
    expect(first["org/app"]!.commit).toBe(a.commit);
    await remote.advance({ "z.txt": "pushed\n" });
    const second = await merger.merge({ changes: [a] });
    expect(second["org/app"]!.commit).not.toBe(a.commit);
    const cache = (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf("org/app");
    expect(await git(cache, ["show", `${second["org/app"]!.commit}:z.txt`])).toBe("pushed\n");
  });

  it("never writes the remote URL or credentials into the cache", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    const a = await h.change("org/app", 1, { "b.txt": "b\n" });
    const merger = await h.merger({ credentials: () => ({ username: "ci", password: "s3cret-token" }) });
    await merger.merge({ changes: [a] });
    const cache = (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf("org/app");
    const config = await Bun.file(`${cache}/config`).text();
    expect(config).not.toContain("s3cret");
    expect(config).not.toContain("Authorization");
    expect(config).not.toContain("file://");
    const grep = Bun.spawnSync(["grep", "-r", "-l", "s3cret", cache]);
    expect(grep.stdout.toString()).toBe("");
  });

  it("sends credentials to an HTTP remote as a header, and keeps them out of errors", async () => {
    const seen: (string | null)[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        seen.push(request.headers.get("authorization"));
        return new Response("no such project", { status: 404 });
      },
    });
    try {
      const merger = await h.merger({
        remoteUrl: (project) => `http://127.0.0.1:${server.port}/a/${project}`,
        credentials: () => ({ username: "ci", password: "s3cret-token" }),
      });
      const error = await merger
        .merge({ changes: [{ project: "org/app", branch: "main", number: 1, patchset: 1 }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfraError);
      expect((error as Error).message).toContain(`http://127.0.0.1:${server.port}/a/org/app`);
      expect((error as Error).message).not.toContain("s3cret");
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]).toBe(`Basic ${Buffer.from("ci:s3cret-token").toString("base64")}`);
    } finally {
      server.stop(true);
    }
  });
});
