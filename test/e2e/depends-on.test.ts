import { expect, it } from "vitest";
import { approveInOrder, PROJECT, reviewsOf, perTest, until } from "./harness.ts";

// B carries `Depends-On: <A's URL>` and its tests need A's file. Check must test B with A merged
// into its state (as Zuul's independent pipeline does); the gate must merge A, then B.
const JOB = [
  `cd /work/${PROJECT}`,
  'if [ -f b.txt ] && [ ! -f a.txt ]; then echo "b.txt needs a.txt: the dependency is missing"; exit 1; fi',
  'echo "dependencies present"',
].join("\n");

const e2e = perTest();

it("tests a change with its Depends-On in check, and gates the two in order", async () => {
  const w = await e2e.setUp(1, JOB);
  const r = e2e.start(w);
  await until("gatebox listening", () => r.output().includes("listening on"), 20_000, r.output);
  const a = await w.sim.uploadChange(PROJECT, { files: { "a.txt": "a\n" }, message: "Add a\n" });
  const b = await w.sim.uploadChange(PROJECT, { files: { "b.txt": "b\n" }, message: `Add b\n\nDepends-On: ${w.sim.url}/c/${PROJECT}/+/${a}\n` });
  await until("check votes on both", () => [a, b].every((n) => reviewsOf(w, n).some((v) => v.labels.Verified !== undefined)), 90_000, r.output);
  expect(reviewsOf(w, b).find((v) => v.labels.Verified !== undefined)?.labels.Verified).toBe(1);
  await approveInOrder(w, [a, b], () => r);
  await until("both merged", () => [a, b].every((n) => w.sim.change(n).status === "MERGED"), 90_000, r.output);
  expect(w.sim.merges.map((m) => m.change)).toEqual([a, b]);
  // The silent post pipeline runs once per merged change, on the branch as merged.
  const base = `http://127.0.0.1:${w.port}`;
  let postDebug = "";
  const post = await until("post builds for both", async () => {
    const res = (await (await fetch(`${base}/api/builds?pipeline=post`)).json()) as { builds: { changeNumber: number | null; result: string | null }[] };
    const done = res.builds.filter((x) => x.result === "SUCCESS");
    postDebug = JSON.stringify(res).slice(0, 3000);
    return done.length >= 2 ? done : null;
  }, 30_000, () => `${r.output()}\n${postDebug}`);
  expect(post.map((x) => x.changeNumber).sort()).toEqual([a, b].sort());
}, 240_000);
