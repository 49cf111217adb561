import { expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { PROJECT, PUBLISH_TOKEN, perTest, reviewsOf, until } from "./harness.ts";

// What a job sees: the repository's own script, run by its relative path from the checkout of
// the project under test, told everything about the build, with a real git checkout and a place
// for artifacts. Two projects share one gate queue, so the second change is tested on the first.

const OTHER = "org/other";
const CI_SH = [
  'echo "pwd=$(pwd)"',
  "env | grep -E '^(CI|GATEBOX[A-Z_]*)=' | sort",
  'echo "subject=$(git log -1 --format=%s)"',
  'echo "branch=$(git symbolic-ref --short HEAD)"',
  'echo "head=$(git rev-parse HEAD)"',
  'echo "token=[$PUBLISH_TOKEN]"',
  'echo "report of change $GATEBOX_CHANGE" > "$GATEBOX_ARTIFACTS/report.txt"',
].join("\n");

const e2e = perTest();

interface Build {
  id: string;
  pipeline: string;
  changeNumber: number | null;
  result: string | null;
}

it("a job runs ./ci.sh from its project's checkout, sees every GATEBOX_* variable and git, and keeps an artifact", async () => {
  const w = await e2e.setUp(0, "sh ./ci.sh", { moreProjects: [OTHER], image: "gatebox-test/git:latest", files: { "ci.sh": `${CI_SH}\n` } });
  const r = e2e.start(w);
  await until("gatebox polling", () => r.output().includes("gatebox: polling"), 20_000, r.output);
  const a = await w.sim.uploadChange(PROJECT, { files: { "a.txt": "a\n" }, message: "Add a\n" });
  const b = await w.sim.uploadChange(OTHER, { files: { "b.txt": "b\n" }, message: "Add b\n" });
  await until("check votes", () => [a, b].every((n) => reviewsOf(w, n).some((v) => v.labels.Verified === 1)), 90_000, r.output);
  for (const n of [a, b]) {
    await w.sim.approve(n, "Code-Review", 2, "bob");
    await w.sim.approve(n, "Workflow", 1, "bob");
  }
  await until("both merged", () => [a, b].every((n) => w.sim.change(n).status === "MERGED"), 90_000, r.output);

  const base = `http://127.0.0.1:${w.port}`;
  const builds = ((await (await fetch(`${base}/api/builds?pipeline=gate&change=${b}`)).json()) as { builds: Build[] }).builds;
  const build = builds.find((x) => x.result === "SUCCESS");
  expect(build, JSON.stringify(builds)).toBeDefined();
  const log = await (await fetch(`${base}/api/builds/${build!.id}/log`)).text();
  const value = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(log)?.[1];
  expect(value("pwd"), log).toBe(`/work/${OTHER}`);
  expect(value("CI")).toBe("true");
  expect(value("GATEBOX")).toBe("true");
  expect(value("GATEBOX_PIPELINE")).toBe("gate");
  expect(value("GATEBOX_JOB")).toBe("unit");
  expect(value("GATEBOX_BUILD")).toBe(build!.id);
  expect(value("GATEBOX_BUILD_URL")).toBe(`${base}/builds/${build!.id}`);
  expect(value("GATEBOX_PROJECT")).toBe(OTHER);
  expect(value("GATEBOX_BRANCH")).toBe("main");
  expect(value("GATEBOX_CHANGE")).toBe(String(b));
  expect(value("GATEBOX_PATCHSET")).toBe("1");
  expect(value("GATEBOX_REF")).toBe(`refs/changes/${String(b % 100).padStart(2, "0")}/${b}/1`);
  // Tested on the change ahead in the shared queue: both items, queue order, this one last.
  expect(value("GATEBOX_ITEMS")).toBe(`${PROJECT}:${a},1 ${OTHER}:${b},1`);
  expect(value("GATEBOX_SRC_DIR")).toBe(`/work/${OTHER}`);
  expect(value("GATEBOX_ARTIFACTS")).toBe("/gatebox/artifacts");
  // A real checkout at the tested commit, on the target branch.
  expect(value("subject")).toBe("Add b");
  expect(value("branch")).toBe("main");
  expect(value("head")).toBe(value("GATEBOX_COMMIT"));
  const commits = await testedCommit(w.dataDir, b);
  expect(value("GATEBOX_COMMIT")).toBe(commits);
  // The artifact, listed and served.
  const listed = (await (await fetch(`${base}/api/builds/${build!.id}/artifacts`)).json()) as { path: string; size: number; url: string }[];
  expect(listed.map((x) => x.path)).toEqual(["report.txt"]);
  const artifact = await fetch(`${base}${listed[0]!.url}`);
  expect(await artifact.text()).toBe(`report of change ${b}\n`);
  // The Gerrit report links it.
  const gateReport = reviewsOf(w, b).find((v) => v.labels.Verified === 2)?.message ?? "";
  expect(gateReport).toContain(`report.txt ${base}/builds/${build!.id}/artifacts/report.txt`);

  // The gate is not post-review: no secret. The post job has it, masked in its log.
  expect(value("token")).toBe("[]");
  const post = await until("the post build", async () => {
    const res = (await (await fetch(`${base}/api/builds?pipeline=post&change=${b}`)).json()) as { builds: Build[] };
    return res.builds.find((x) => x.result === "SUCCESS");
  }, 60_000, r.output);
  const postLog = await (await fetch(`${base}/api/builds/${post.id}/log`)).text();
  expect(postLog).toContain("with token=***");
  expect(postLog).not.toContain(PUBLISH_TOKEN);
  // Never stored, never served.
  expect(readFileSync(`${w.dataDir}/gatebox.sqlite`).includes(PUBLISH_TOKEN)).toBe(false);
  expect(await (await fetch(`${base}/api/builds?limit=500`)).text()).not.toContain(PUBLISH_TOKEN);
}, 240_000);

/** The commit of OTHER in the state the gate tested change `n` on (from the store). */
async function testedCommit(dataDir: string, n: number): Promise<string | undefined> {
  const { Database } = await import("bun:sqlite");
  const db = new Database(`${dataDir}/gatebox.sqlite`, { readonly: true });
  try {
    const row = db
      .query<{ commits: string }, [number]>(
        `SELECT b.commits FROM buildsets b JOIN queue_items q ON q.id = b.item_id WHERE q.pipeline = 'gate' AND q.change_number = ? AND b.result = 'SUCCESS'`,
      )
      .get(n);
    return row ? (JSON.parse(row.commits) as Record<string, { commit: string }>)[OTHER]?.commit : undefined;
  } finally {
    db.close();
  }
}
