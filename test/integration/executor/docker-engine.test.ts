/** DockerRunner behaviour beyond the shared contract: isolation, infrastructure failures, restarts. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { DockerRunner } from "../../../src/executor/docker/docker-runner.ts";
import { Executor } from "../../../src/executor/executor.ts";
import { resolveJob } from "../../../src/executor/job.ts";
import type { RunOutput } from "../../../src/executor/runner.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { consoleEvents, outputOf, requireDocker, sleep, TEST_IMAGE, tempDir, uniqueBuildId } from "./helpers.ts";
import { dockerProxy } from "./tcp-proxy.ts";

const instance = `engine-${process.pid}`;
let docker: Docker;
let logs: ReturnType<typeof tempDir>;
let hub: ConsoleHub;
const nullOutput: RunOutput = { stdout() {}, stderr() {}, info() {} };

const containersOf = (buildId: string) =>
  docker.listContainers({ all: true, filters: { label: [`gatebox.build=${buildId}`] } });

beforeAll(async () => {
  docker = await requireDocker();
  logs = tempDir("gatebox-logs-");
  hub = new ConsoleHub(logs.dir);
});
afterAll(async () => {
  // Whatever a failed test left behind.
  const left = await docker.listContainers({ all: true, filters: { label: [`gatebox.instance=${instance}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})));
  logs.cleanup();
});

describe("DockerRunner on a real engine", () => {
  it("labels the container and gives it no network, caps or socket", async () => {
    const runner = new DockerRunner({ instance });
    const ex = new Executor({ runner, consoles: hub, capacity: 1 });
    const buildId = uniqueBuildId("iso");
    const script = "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; ls /var/run/docker.sock 2>&1; grep CapEff /proc/self/status; echo ready; sleep 30";
    const h = ex.startBuild({ buildId, itemId: "item-9", job: { image: TEST_IMAGE, run: script, pids: 50, memory: 64 * 1024 * 1024 } });
    await waitFor(async () => outputOf(await consoleEvents(hub.pathOf(buildId))).includes("ready"));
    const [c] = await containersOf(buildId);
    expect(c).toBeDefined();
    const info = await docker.getContainer(c!.Id).inspect();
    expect(info.Config.Labels).toMatchObject({ "gatebox.build": buildId, "gatebox.item": "item-9", "gatebox.instance": instance });
    expect(info.HostConfig.NetworkMode).toBe("none");
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.Binds ?? []).toEqual([]);
    expect(info.Mounts).toEqual([]);
    expect(info.HostConfig.PidsLimit).toBe(50);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    await h.cancel();
    const out = outputOf(await consoleEvents(hub.pathOf(buildId)));
    expect(out.split("\n")[0]).toBe("lo"); // the only interface
    expect(out).toMatch(/docker\.sock: No such file or directory/);
    expect(out).toMatch(/CapEff:\s+0000000000[0-9a-f]{6}\n/); // only the few kept capabilities
  });

  it("a missing image that cannot be pulled is an infrastructure error, then RETRY_LIMIT", async () => {
    const runner = new DockerRunner({ instance });
    const ex = new Executor({ runner, consoles: hub, capacity: 1, retryDelayMs: () => 0 });
    const o = await ex.startBuild({
      buildId: uniqueBuildId("noimg"), itemId: "i", job: { image: "gatebox-test/does-not-exist:1", run: "true", attempts: 2 },
    }).outcome;
    expect(o.result).toBe("RETRY_LIMIT");
    expect(o.attempts).toBe(2);
    expect(o.exitCode).toBeNull();
    expect(o.infraErrors).toHaveLength(2);
    expect(o.infraErrors[0]).toMatch(/image gatebox-test\/does-not-exist:1 is not present on unix:\/\/\/var\/run\/docker.sock and could not be pulled/);
    const info = (await consoleEvents(o.logPath)).filter((e) => e.kind === "i").map((e) => e.data).join("\n");
    expect(info).toMatch(/is not on .* pulling it/);
    expect(info).toMatch(/pull failed/);
    expect(info).toMatch(/attempt 2 of 2/);
  });

  it("a secret in an infrastructure error is masked in the outcome and the console too", async () => {
    const ex = new Executor({ runner: new DockerRunner({ instance }), consoles: hub, capacity: 1, retryDelayMs: () => 0 });
    const o = await ex.startBuild({
      buildId: uniqueBuildId("secimg"), itemId: "i",
      job: { image: "gatebox-test/does-not-exist:tag-s3cret", run: "true", attempts: 1, secrets: { TAG: "tag-s3cret" } },
    }).outcome;
    expect(o.result).toBe("RETRY_LIMIT");
    expect(o.infraErrors[0]).toMatch(/does-not-exist:\*\*\*/);
    expect(`${o.message}${o.infraErrors.join("")}${readFileSync(o.logPath, "utf8")}`).not.toContain("s3cret");
  });

  it("the engine going away mid-build is ours: retried, then RETRY_LIMIT, never FAILURE", async () => {
    const proxy = await dockerProxy();
    const runner = new DockerRunner({ instance, endpoint: proxy.endpoint });
    const ex = new Executor({ runner, consoles: hub, capacity: 1, retryDelayMs: () => 0 });
    const buildId = uniqueBuildId("gone");
    const h = ex.startBuild({ buildId, itemId: "i", job: { image: TEST_IMAGE, run: "echo started; sleep 30", attempts: 2 } });
    await waitFor(async () => outputOf(await consoleEvents(hub.pathOf(buildId))).includes("started"));
    const t0 = Date.now();
    await proxy.cut();
    const o = await h.outcome;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(o.result).toBe("RETRY_LIMIT");
    expect(o.attempts).toBe(2);
    expect(o.infraErrors[0]).toMatch(/^docker: /);
    expect(o.infraErrors[1]).toMatch(/unreachable/);
    // The container outlived our connection; the next start's cleanup (same instance) gets it.
    const removed = await new DockerRunner({ instance }).cleanupOrphans(() => false);
    expect(removed).toContain(buildId);
    expect(await containersOf(buildId)).toEqual([]);
  });

  it("cleanupOrphans removes what a crashed process left, keeping the builds it is told to", async () => {
    // An instance of its own, so builds other tests leave running are not in the way.
    const orphanInstance = `${instance}-orphans`;
    const crashed = new DockerRunner({ instance: orphanInstance });
    const keepId = uniqueBuildId("keep");
    const dropId = uniqueBuildId("orphan");
    const job = resolveJob({ image: TEST_IMAGE, run: "sleep 30" });
    await crashed.start({ buildId: keepId, itemId: "i", job }, nullOutput);
    await crashed.start({ buildId: dropId, itemId: "i", job }, nullOutput);
    // Another instance's container must never be touched.
    const other = new DockerRunner({ instance: `${instance}-other` });
    const otherId = uniqueBuildId("other");
    await other.start({ buildId: otherId, itemId: "i", job }, nullOutput);
    try {
      const restarted = new DockerRunner({ instance: orphanInstance });
      const removed = await restarted.cleanupOrphans((id) => id === keepId);
      expect(removed).toEqual([dropId]);
      expect(await containersOf(dropId)).toEqual([]);
      expect(await containersOf(keepId)).toHaveLength(1);
      expect(await containersOf(otherId)).toHaveLength(1);
    } finally {
      await crashed.destroy(keepId);
      await other.destroy(otherId);
    }
  });

  it("reattach continues streaming and waiting on a build still running", async () => {
    const crashed = new DockerRunner({ instance });
    const buildId = uniqueBuildId("reattach");
    const before = hub.open(buildId);
    // Output reaches the console until the "crash", then nothing more of that process does.
    let crashedYet = false;
    const untilCrash: RunOutput = {
      stdout: (c) => crashedYet || before.stdout(c),
      stderr: (c) => crashedYet || before.stderr(c),
      info: (l) => crashedYet || before.info(l),
    };
    const script = "echo one; sleep 2; echo two; exit 4";
    await crashed.start({ buildId, itemId: "i", job: resolveJob({ image: TEST_IMAGE, run: script }) }, untilCrash);
    await waitFor(async () => outputOf(await consoleEvents(hub.pathOf(buildId))).includes("one"));
    // The "crash": the old writer is abandoned without an end marker.
    crashedYet = true;
    const hub2 = new ConsoleHub(logs.dir);
    const ex = new Executor({ runner: new DockerRunner({ instance }), consoles: hub2, capacity: 1 });
    const h = await ex.reattach(buildId, { image: TEST_IMAGE, run: "unused" });
    expect(h).not.toBeNull();
    const o = await h!.outcome;
    expect(o.result).toBe("FAILURE");
    expect(o.exitCode).toBe(4);
    const events = await consoleEvents(o.logPath);
    expect(outputOf(events)).toBe("one\ntwo\n");
    expect(events.some((e) => e.kind === "i" && e.data.includes("reattached"))).toBe(true);
    expect(await containersOf(buildId)).toEqual([]);
    expect(await ex.reattach(uniqueBuildId("none"), { image: TEST_IMAGE, run: "x" })).toBeNull();
  });

  it("gives a job that set no limits its share of the engine: memory and CPUs over the capacity", async () => {
    const ex = new Executor({ runner: new DockerRunner({ instance }), consoles: hub, capacity: 4 });
    const buildId = uniqueBuildId("share");
    const h = ex.startBuild({ buildId, itemId: "i", job: { image: TEST_IMAGE, run: "echo ready; sleep 30" } });
    await waitFor(async () => outputOf(await consoleEvents(hub.pathOf(buildId))).includes("ready"));
    const [c] = await containersOf(buildId);
    const host = (await docker.getContainer(c!.Id).inspect()).HostConfig;
    await h.cancel();
    const info = await docker.info();
    expect(host.Memory).toBe(Math.floor(info.MemTotal / 4));
    expect(host.MemorySwap).toBe(host.Memory);
    expect(host.NanoCpus).toBe(Math.round(Math.max(0.1, Math.floor((info.NCPU / 4) * 100) / 100) * 1e9));
    expect(host.PidsLimit).toBe(1024);
  });

  it("a job with a non-root user can write its artifacts directory, and starts in startDir", async () => {
    const kept = tempDir("gatebox-kept-");
    try {
      const ex = new Executor({ runner: new DockerRunner({ instance }), consoles: hub, capacity: 1, artifactsDir: kept.dir });
      const script = 'id -u; pwd; echo hi > "$DIR/r.txt" && mkdir "$DIR/sub" && echo x > "$DIR/sub/y"';
      const o = await ex.startBuild({
        buildId: uniqueBuildId("nobody"), itemId: "i",
        job: { image: TEST_IMAGE, run: script, user: "65534", startDir: "/work/deep/er", env: { DIR: "/work/out" }, artifacts: { dir: "/work/out", limit: 1024 } },
      }).outcome;
      expect(outputOf(await consoleEvents(o.logPath))).toBe("65534\n/work/deep/er\n");
      expect(o.result).toBe("SUCCESS");
      expect(o.artifacts).toEqual([{ path: "r.txt", size: 3 }, { path: "sub/y", size: 2 }]);
    } finally {
      kept.cleanup();
    }
  });

  it("an OOM kill is the job's FAILURE", async () => {
    const ex = new Executor({ runner: new DockerRunner({ instance }), consoles: hub, capacity: 1 });
    // Keep doubling a shell variable until the 8 MiB limit kills the shell.
    const o = await ex.startBuild({
      buildId: uniqueBuildId("oom"), itemId: "i",
      job: { image: TEST_IMAGE, run: 'x=aaaaaaaaaaaaaaaa; while true; do x="$x$x"; done', memory: 8 * 1024 * 1024 },
    }).outcome;
    expect(o.result).toBe("FAILURE");
    expect(o.message).toMatch(/out of memory/);
    expect(o.attempts).toBe(1);
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(25);
  }
  throw new Error("condition not met in time");
}
