import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDependsOnFooters as parseDependsOn } from "../../../src/sources/depends-on.ts";
import { MergeConflictError } from "../../../src/merger/errors.ts";
import type { ChangeRef } from "../../../src/merger/types.ts";
import type { GitMerger } from "../../../src/merger/git-merger.ts";
import { git } from "../../support/git-fixtures.ts";
import { MergerHarness } from "./harness.ts";

let h: MergerHarness;
beforeEach(() => {
  h = new MergerHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const cacheOf = (merger: GitMerger, project: string) =>
  (merger as unknown as { cache: { pathOf(p: string): string } }).cache.pathOf(project);

describe("shared queues across projects", () => {
  it("gives one commit per project touched, each chain merged in queue order", async () => {
    await h.repo("org/server", { "api.txt": "v1\n" });
    await h.repo("org/client", { "use.txt": "v1\n" });
    const lib = await h.repo("org/lib", { "lib.txt": "lib\n" });
    const s1 = await h.change("org/server", 1, { "api.txt": "v2\n" });
    const c1 = await h.change("org/client", 2, { "use.txt": "v2\n" }, {
      message: "Use api v2\n\nDepends-On: https://review.example.org/c/org/server/+/1\n",
    });
    const s2 = await h.change("org/server", 3, { "extra.txt": "x\n" });
    const merger = await h.merger();
    const state = await merger.merge({
      changes: [s1, c1, s2],
      submitTypes: { "org/client": "CHERRY_PICK" },
      extraProjects: [{ project: "org/lib", branch: "main" }],
    });
    expect(Object.keys(state).sort()).toEqual(["org/client", "org/lib", "org/server"]);
    expect(state["org/lib"]).toEqual({ branch: "main", commit: await lib.tip(), tree: await lib.treeOf("main") });
    const server = cacheOf(merger, "org/server");
    expect(await git(server, ["show", `${state["org/server"]!.commit}:api.txt`])).toBe("v2\n");
    expect(await git(server, ["show", `${state["org/server"]!.commit}:extra.txt`])).toBe("x\n");
    const client = cacheOf(merger, "org/client");
    expect(await git(client, ["show", `${state["org/client"]!.commit}:use.txt`])).toBe("v2\n");

    // The cross-project dependency is read from the (cherry-picked) commit's message.
    const message = await git(client, ["log", "-1", "--format=%B", state["org/client"]!.commit]);
    expect(parseDependsOn(message).dependencies).toEqual([
      {
        kind: "url",
        url: "https://review.example.org/c/org/server/+/1",
        host: "review.example.org",
        baseUrl: "https://review.example.org",
        number: 1,
        project: "org/server",
      },
    ]);
  });

  it("a conflict in one project names that project's change; other projects do not matter", async () => {
    await h.repo("org/server", { "api.txt": "v1\n" });
    await h.repo("org/client", { "use.txt": "v1\n" });
    const s1 = await h.change("org/server", 1, { "api.txt": "v2\n" });
    const c1 = await h.change("org/client", 2, { "use.txt": "v2\n" });
    const s2 = await h.change("org/server", 3, { "api.txt": "v3\n" });
    const error = await (await h.merger()).merge({ changes: [s1, c1, s2] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    const conflict = error as MergeConflictError;
    expect(conflict.change).toMatchObject({ project: "org/server", number: 3 });
    expect(conflict.conflictsWith).toMatchObject({ project: "org/server", number: 1 });
  });
});

describe("concurrency", () => {
  it("merges many items concurrently on one repo with the results of sequential merges", async () => {
    await h.repo("org/app", { "a.txt": "a\n" });
    const changes: ChangeRef[] = [];
    for (let n = 1; n <= 8; n++) changes.push(await h.change("org/app", n, { [`f${n}.txt`]: `${n}\n` }));
    const chains = changes.map((_, i) => changes.slice(0, i + 1));
    const sequential = [];
    const reference = await h.merger();
    for (const chain of chains) sequential.push(await reference.merge({ changes: chain }));
    // A fresh cache: the first operations race to create the mirror and fetch the same refs.
    const merger = await h.merger({ concurrency: 4 });
    const concurrent = await Promise.all(chains.map((chain) => merger.merge({ changes: chain })));
    expect(concurrent).toEqual(sequential);
  });

  it("runs merges on several repos at once, each repo touched by one operation at a time", async () => {
    const projects = ["org/p0", "org/p1", "org/p2", "org/p3"];
    const chains = [];
    for (const project of projects) {
      await h.repo(project, { "base.txt": project });
      const a = await h.change(project, 1, { "a.txt": "a\n" });
      const b = await h.change(project, 2, { "b.txt": "b\n" });
      chains.push([a], [a, b]);
    }
    const merger = await h.merger({ concurrency: 4 });
    const lock = (merger as unknown as { cache: { lock: { run: <T>(k: string, f: () => Promise<T>) => Promise<T> } } })
      .cache.lock;
    // Watch the repo lock: never two holders of one project; several projects at once.
    const holders = new Map<string, number>();
    let peak = 0;
    let overlapSameRepo = false;
    const original = lock.run.bind(lock);
    lock.run = <T>(key: string, fn: () => Promise<T>) =>
      original(key, async () => {
        holders.set(key, (holders.get(key) ?? 0) + 1);
        if (holders.get(key)! > 1) overlapSameRepo = true;
        peak = Math.max(peak, [...holders.values()].filter((n) => n > 0).length);
        try {
          return await fn();
        } finally {
          holders.set(key, holders.get(key)! - 1);
        }
      });
    const states = await Promise.all(chains.map((chain) => merger.merge({ changes: chain })));
    expect(overlapSameRepo).toBe(false);
    expect(peak).toBeGreaterThan(1);
    expect(states.map((s) => Object.keys(s)[0])).toEqual(projects.flatMap((p) => [p, p]));
  });
});
