/**
 * A build whose workspace is bind-mounted gets its artifacts directory from the host too (a
 * directory of mode 1777 under the runner's scratch dir, src/executor/docker/artifacts-dirs.ts),
 * instead of one made in the container with a putArchive before it starts. What a job sees and
 * what gatebox keeps must not change: any user can write there, links are not followed out of
 * it, the directory is gone with the build, and a crash's leftovers are swept.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerRunner } from "../../../src/executor/docker/docker-runner.ts";
import { Executor } from "../../../src/executor/executor.ts";
import type { JobSpec } from "../../../src/executor/job.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { tarDirectory } from "../../../src/merger/workspace.ts";
import { consoleEvents, outputOf, requireDocker, TEST_IMAGE, tempDir, uniqueBuildId } from "./helpers.ts";

const instance = `artmount-${process.pid}`;
const ARTIFACTS = "/gatebox/artifacts";
let tmp: ReturnType<typeof tempDir>;
let hub: ConsoleHub;
let scratch: string;
let kept: string;
let secret: string;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir("gatebox-artmount-");
  scratch = join(tmp.dir, "docker-builds");
  kept = join(tmp.dir, "artifacts");
  secret = join(tmp.dir, "secret.txt");
  writeFileSync(secret, "host secret\n");
  hub = new ConsoleHub(join(tmp.dir, "logs"));
}, 120_000);
afterAll(() => tmp?.cleanup());

/** A workspace directory with one file, a git repository (self-contained: it may be mounted). */
function workspaceDir(owner?: { uid: number; gid: number }): () => ReturnType<typeof tarDirectory> {
  const ws = join(tmp.dir, "workspaces", uniqueBuildId("ws"));
  mkdirSync(join(ws, "proj"), { recursive: true });
  writeFileSync(join(ws, "proj", "f.txt"), "file\n");
  execFileSync("git", ["-C", join(ws, "proj"), "init", "--quiet"]);
  return () => tarDirectory(ws, { includeGit: true, ...(owner ? { owner } : {}) });
}

async function build(runner: DockerRunner, run: string, extra: Partial<JobSpec> = {}, owner?: { uid: number; gid: number }) {
  const ex = new Executor({ runner, consoles: hub, capacity: 1, retryDelayMs: () => 0, artifactsDir: kept });
  const buildId = uniqueBuildId("art");
  const job: JobSpec = { image: TEST_IMAGE, run, attempts: 1, env: { GATEBOX_ARTIFACTS: ARTIFACTS }, artifacts: { dir: ARTIFACTS, limit: 1 << 20 }, ...extra };
  const o = await ex.startBuild({ buildId, itemId: "i", job, workspace: workspaceDir(owner) }).outcome;
  const events = await consoleEvents(o.logPath);
  return { buildId, o, out: outputOf(events), info: events.filter((e) => e.kind === "i").map((e) => e.data).join("") };
}

describe("the artifacts directory of a mounted build", () => {
  it("is a host directory of mode 1777 a non-root build writes to; its files are kept, and it is gone after", async () => {
    const runner = new DockerRunner({ instance, scratchDir: scratch });
    const script = [
      "awk -v d=$GATEBOX_ARTIFACTS '$5 == d {print \"mounted\"}' /proc/self/mountinfo",
      "stat -c %a $GATEBOX_ARTIFACTS",
      "echo report > $GATEBOX_ARTIFACTS/report.txt && mkdir $GATEBOX_ARTIFACTS/sub && echo 1 > $GATEBOX_ARTIFACTS/sub/x",
      "id -u",
    ].join("; ");
    const b = await build(runner, script, { user: "1000:1000" }, { uid: 1000, gid: 1000 });
    expect(b.info).toContain("workspace mounted");
    expect(b.out).toBe("mounted\n1777\n1000\n");
    expect(b.o.result).toBe("SUCCESS");
    expect(b.o.artifacts).toEqual([{ path: "report.txt", size: 7 }, { path: "sub/x", size: 2 }]);
    expect(readFileSync(join(kept, b.buildId, "report.txt"), "utf8")).toBe("report\n");
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("follows no link the build made there, to the host or to the container", async () => {
    const runner = new DockerRunner({ instance, scratchDir: scratch });
    const b = await build(runner, `ln -s ${secret} $GATEBOX_ARTIFACTS/secret; ln -s /etc/passwd $GATEBOX_ARTIFACTS/passwd; echo ok > $GATEBOX_ARTIFACTS/ok`);
    expect(b.o.result).toBe("SUCCESS");
    expect(b.o.artifacts).toEqual([{ path: "ok", size: 3 }]);
    expect(existsSync(join(kept, b.buildId, "secret"))).toBe(false);
    expect(readFileSync(secret, "utf8")).toBe("host secret\n");
  });

  it("is made in the container, as before, when the runner has no scratch dir", async () => {
    const b = await build(new DockerRunner({ instance }), "awk -v d=$GATEBOX_ARTIFACTS '$5 == d' /proc/self/mountinfo | wc -l; stat -c %a $GATEBOX_ARTIFACTS; echo x > $GATEBOX_ARTIFACTS/x");
    expect(b.out).toBe("0\n1777\n");
    expect(b.o.artifacts).toEqual([{ path: "x", size: 2 }]);
  });

  it("left by a crash, is swept by the orphan cleanup unless its build is kept", async () => {
    const runner = new DockerRunner({ instance: `${instance}-sweep`, scratchDir: join(tmp.dir, "sweep") });
    const live = join(tmp.dir, "sweep", "build-7");
    const dead = join(tmp.dir, "sweep", "build-8");
    const foreign = join(tmp.dir, "sweep", "not-ours");
    for (const dir of [live, dead, foreign]) mkdirSync(dir, { recursive: true });
    const removed = await runner.cleanupOrphans((id) => id === "7");
    expect(removed).toEqual(["8"]);
    expect([existsSync(live), existsSync(dead), existsSync(foreign)]).toEqual([true, false, true]);
    expect(statSync(join(tmp.dir, "sweep")).isDirectory()).toBe(true);
  });
});

