/**
 * The simulator's submit really merges in the bare repo, per submit type (REST-SUBSET.md "Submitting").
 * Each case: two changes from the same base touching different files; A is submitted first, then B,
 * which is no longer a fast-forward.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GerritClient } from "../../../src/sources/gerrit/client.ts";
import { GerritHttpError } from "../../../src/sources/gerrit/errors.ts";
import { gitOk } from "../../support/gerrit/git.ts";
import type { SubmitType } from "../../support/gerrit/model.ts";
import { GerritSimulator } from "../../support/gerrit/simulator.ts";

let sim: GerritSimulator;
let client: GerritClient;
beforeAll(async () => {
  sim = await GerritSimulator.start();
  client = new GerritClient({ url: sim.url, username: sim.ci.username, password: sim.ci.password, retries: 0 });
});
afterAll(async () => {
  expect(sim.errors).toEqual([]);
  await sim?.stop();
});

async function pair(type: SubmitType) {
  const project = `org/${type.toLowerCase()}`;
  const p = await sim.createProject(project, { submitType: type, files: { "base.txt": "base\n" } });
  const base = await sim.branchTip(project);
  const a = await sim.uploadChange(project, { files: { "a.txt": "a\n" }, message: "Add a\n" });
  const b = await sim.uploadChange(project, { files: { "b.txt": "b\n" }, message: "Add b\n" });
  for (const n of [a, b]) {
    await sim.approve(n, "Code-Review", 2);
    await sim.comment(n, "", "gatebox", { Verified: 2 });
  }
  const sha = (n: number) => sim.change(n).patchsets.at(-1)!.sha;
  const git = (...args: string[]) => gitOk(p.dir, args);
  const parents = async (rev: string) => (await git("rev-list", "--parents", "-n", "1", rev)).split(" ").slice(1);
  const files = async () => (await git("ls-tree", "--name-only", "refs/heads/main")).split("\n").sort();
  return { project, base, a, b, sha, git, parents, files, aSha: sha(a), bSha: sha(b) };
}

describe("submit types", () => {
  it("MERGE_IF_NECESSARY: fast-forward, then a merge commit", async () => {
    const t = await pair("MERGE_IF_NECESSARY");
    expect(await client.submitType(t.project)).toBe("MERGE_IF_NECESSARY");
    await client.submit(t.project, t.a, t.aSha);
    expect(await sim.branchTip(t.project)).toBe(t.aSha);
    await client.submit(t.project, t.b, t.bSha);
    const tip = await sim.branchTip(t.project);
    expect(await t.parents(tip)).toEqual([t.aSha, t.bSha]);
    expect(await t.files()).toEqual(["a.txt", "b.txt", "base.txt"]);
    expect(sim.change(t.b).status).toBe("MERGED");
  });

  it("MERGE_ALWAYS: a merge commit even when a fast-forward was possible", async () => {
    const t = await pair("MERGE_ALWAYS");
    await client.submit(t.project, t.a);
    const tip = await sim.branchTip(t.project);
    expect(tip).not.toBe(t.aSha);
    expect(await t.parents(tip)).toEqual([t.base, t.aSha]);
  });

  it("FAST_FORWARD_ONLY: the tested commit lands as it is, else 409", async () => {
    const t = await pair("FAST_FORWARD_ONLY");
    await client.submit(t.project, t.a);
    expect(await sim.branchTip(t.project)).toBe(t.aSha);
    const err = await client.submit(t.project, t.b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritHttpError);
    expect((err as GerritHttpError).status).toBe(409);
    expect((err as GerritHttpError).body).toContain("fast-forward");
    expect(await sim.branchTip(t.project)).toBe(t.aSha);
  });

  it("REBASE_IF_NECESSARY: fast-forward, then a rebased commit recorded as a new patch set", async () => {
    const t = await pair("REBASE_IF_NECESSARY");
    await client.submit(t.project, t.a);
    expect(await sim.branchTip(t.project)).toBe(t.aSha);
    await client.submit(t.project, t.b);
    const tip = await sim.branchTip(t.project);
    expect(tip).not.toBe(t.bSha);
    expect(await t.parents(tip)).toEqual([t.aSha]);
    expect(sim.change(t.b).patchsets.map((p) => p.sha)).toEqual([t.bSha, tip]);
    expect(await t.files()).toEqual(["a.txt", "b.txt", "base.txt"]);
  });

  it("CHERRY_PICK: new commits with Reviewed-on/Reviewed-by footers", async () => {
    const t = await pair("CHERRY_PICK");
    await client.submit(t.project, t.a);
    const tip = await sim.branchTip(t.project);
    expect(tip).not.toBe(t.aSha);
    expect(await t.parents(tip)).toEqual([t.base]);
    const message = await t.git("log", "-1", "--format=%B", tip);
    expect(message).toContain(`Reviewed-on: ${sim.url}/c/${t.project}/+/${t.a}`);
    expect(message).toContain("Reviewed-by: Bob <bob@example.org>");
    expect(message).toContain(`Change-Id: ${sim.change(t.a).changeId}`);
    // Same tree as the tested commit on the same base: the gate's tree comparison holds.
    expect(await t.git("rev-parse", `${tip}^{tree}`)).toBe(await t.git("rev-parse", `${t.aSha}^{tree}`));
  });

  it("a stack merges its unmerged ancestors, and only if they are submittable", async () => {
    const t = await pair("MERGE_IF_NECESSARY");
    const child = await sim.uploadChange(t.project, { files: { "c.txt": "c\n" }, message: "Child\n", parentChange: t.a });
    await sim.approve(child, "Code-Review", 2);
    await sim.comment(child, "", "gatebox", { Verified: 2 });
    await sim.approve(t.a, "Code-Review", -2, "ann");
    const blocked = await client.submit(t.project, child).catch((e: unknown) => e);
    expect((blocked as GerritHttpError).body).toContain(`Change ${t.a}: submit requirement 'Code-Review' is unsatisfied.`);
    expect((await client.submittedTogether(t.project, child)).map((c) => c.number)).toEqual([child, t.a]);
    await sim.approve(t.a, "Code-Review", 0, "ann");
    await client.submit(t.project, child);
    expect(sim.change(t.a).status).toBe("MERGED");
    expect(await sim.branchTip(t.project)).toBe(sim.change(child).patchsets[0]!.sha);
  });
});
