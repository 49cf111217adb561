import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { PROJECT, perTest, reviewsOf, until } from "./harness.ts";

// As a user runs it: `gatebox serve` on the local engine mounts each build's workspace (no copy),
// and the second build of the branch, made from a spare checkout, is as right as the first.

const JOB = [
  `cd /work/${PROJECT}`,
  "awk '$5 == \"/work\" {print \"mount-root=\" $4}' /proc/self/mountinfo",
  'echo "files=$(ls | tr "\\n" " ")"',
  'echo "head=$(git rev-parse HEAD) status=[$(git status --porcelain)]"',
  "echo built > build-output.txt",
].join("\n");

const e2e = perTest();

it("builds see their change in a mounted workspace, the second from a spare, and nothing is left after", async () => {
  const w = await e2e.setUp(0, JOB, { image: "gatebox-test/git:latest" });
  const r = e2e.start(w);
  await until("gatebox polling", () => r.output().includes("gatebox: polling"), 20_000, r.output);
  const base = `http://127.0.0.1:${w.port}`;
  const spares = join(w.dataDir, "workspaces", ".spares");
  for (const [name, other] of [["first.txt", "second.txt"], ["second.txt", "first.txt"]] as const) {
    // The second build waits for nothing: the first one's spares are ready (named 0 and 1).
    if (name === "second.txt") await until("spares made", () => existsSync(spares) && readdirSync(spares).length === 2, 60_000, r.output);
    const n = await w.sim.uploadChange(PROJECT, { files: { [name]: "x\n" }, message: `Add ${name}\n` });
    await until(`check vote on ${n}`, () => reviewsOf(w, n).some((v) => v.labels.Verified === 1), 90_000, r.output);
    const builds = ((await (await fetch(`${base}/api/builds?pipeline=check&change=${n}`)).json()) as { builds: { id: string }[] }).builds;
    const log = await (await fetch(`${base}/api/builds/${builds[0]!.id}/log`)).text();
    expect(log).toContain("gatebox: workspace mounted at /work (not copied)");
    expect(log).not.toContain("copying the workspace");
    // Only the build's own directory, under the data dir's workspaces.
    expect(log).toMatch(new RegExp(`^mount-root=.*/data/workspaces/${builds[0]!.id}$`, "m"));
    expect(log).toContain(name);
    expect(log).not.toContain(other);
    expect(log).toMatch(/^head=[0-9a-f]{40} status=\[\]$/m);
  }
  // Each build's workspace is gone once it ended; only the spares remain.
  await until("workspaces removed", () => readdirSync(join(w.dataDir, "workspaces")).filter((e) => !e.startsWith(".")).length === 0, 30_000, r.output);
  // Spare 0 became the second build's workspace; the refill made another.
  await until("spares refilled", () => readdirSync(spares).length === 2, 60_000, r.output);
  expect(readdirSync(spares).sort()).toEqual(["1", "2"]);
}, 240_000);
