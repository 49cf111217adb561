import { expect, it } from "vitest";
import { PROJECT, reviewsOf, perTest, until } from "./harness.ts";

// SIGTERM while a 20 s build runs: gatebox stops at once and leaves the container running; the
// next start reattaches to it. The build runs once, its report gives its real duration, and the
// console holds one run.

const JOB = [`cd /work/${PROJECT}`, 'echo "run starts"', "sleep 20", 'echo "run ends"'].join("\n");

const e2e = perTest();

interface BuildRow {
  id: string;
  pipeline: string;
  state: string;
  result: string | null;
}

async function checkBuilds(port: number): Promise<BuildRow[]> {
  const res = await fetch(`http://127.0.0.1:${port}/api/builds?pipeline=check`).catch(() => null);
  if (!res?.ok) return [];
  return ((await res.json()) as { builds: BuildRow[] }).builds;
}

it("stops in under 5 s on SIGTERM during a build, and the build is reattached, not run again", async () => {
  const w = await e2e.setUp(0, JOB);
  let r = e2e.start(w);
  await until("gatebox polling", () => r.output().includes("gatebox: polling"), 20_000, r.output);
  const n = await w.sim.uploadChange(PROJECT, { files: { "a.txt": "a\n" }, message: "Add a\n" });
  const build = await until("the build running", async () => (await checkBuilds(w.port)).find((b) => b.state === "running"), 60_000, r.output);
  const stopAt = Date.now();
  r.proc.kill("SIGTERM");
  const code = await r.exited;
  const took = Date.now() - stopAt;
  expect(code, r.output()).toBe(0);
  expect(took, r.output()).toBeLessThan(5000);

  r = e2e.start(w);
  await until("the check vote", () => reviewsOf(w, n).some((v) => v.labels.Verified === 1), 60_000, r.output);
  expect(r.output()).toContain(`build ${build.id} (unit) reattached`);
  const builds = await checkBuilds(w.port);
  expect(builds.map((b) => [b.id, b.result])).toEqual([[build.id, "SUCCESS"]]);
  const message = reviewsOf(w, n).find((v) => v.labels.Verified === 1)?.message ?? "";
  const seconds = Number(/unit .*SUCCESS in (?:(\d+)m )?(\d+)s/.exec(message)?.slice(1).map((x) => Number(x ?? 0)).reduce((m, s) => m * 60 + s, 0));
  expect(seconds, message).toBeGreaterThanOrEqual(19);
  expect(seconds, message).toBeLessThan(40);
  const log = await (await fetch(`http://127.0.0.1:${w.port}/api/builds/${build.id}/log`)).text();
  expect(log.match(/run starts/g)?.length, log).toBe(1);
}, 150_000);
