import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Readable } from "node:stream";
import Docker from "dockerode";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { MergerHarness } from "./harness.ts";
import { twoChangesOnAOneOnB } from "./states.ts";

// A checkout workspace copied into a real container the way the Docker executor does it
// (putArchive of `workspaceTar` at /work), then used with the git of the image.

const IMAGE = "gatebox-test/git:latest";
const REPO_ROOT = join(import.meta.dirname, "../../..");
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const containers: Docker.Container[] = [];

let h: MergerHarness;
beforeAll(() => {
  const r = spawnSync("bash", ["scripts/ensure-debian-image.sh"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 900_000 });
  if (r.status !== 0) throw new Error(`scripts/ensure-debian-image.sh failed (${r.status}):\n${r.stderr}`);
}, 1_000_000);
beforeEach(() => {
  h = new MergerHarness();
});
afterEach(async () => {
  await h.cleanup();
});
afterAll(async () => {
  await Promise.all(containers.map((c) => c.remove({ force: true }).catch(() => undefined)));
});

/** Runs `script` in a fresh container holding `tar` at /work; its exit code and output. */
async function runIn(tar: Readable, script: string, user?: string): Promise<{ code: number; out: string }> {
  const container = await docker.createContainer({
    Image: IMAGE,
    Cmd: ["sh", "-c", script],
    WorkingDir: "/work",
    Tty: false, // as the executor runs builds (with a TTY, git would start a pager)
    NetworkDisabled: true,
    HostConfig: { NetworkMode: "none" },
    ...(user ? { User: user } : {}),
  });
  containers.push(container);
  await container.putArchive(tar, { path: "/work" });
  await container.start();
  // Polled rather than `container.wait()`: under Bun the wait request can be left hanging.
  let state = (await container.inspect()).State;
  for (const deadline = Date.now() + 60_000; state.Running && Date.now() < deadline; ) {
    await Bun.sleep(100);
    state = (await container.inspect()).State;
  }
  const logs = await container.logs({ stdout: true, stderr: true, follow: false });
  return { code: state.Running ? -1 : state.ExitCode, out: demux(logs) };
}

/** The payloads of Docker's multiplexed log frames (8-byte header: stream, 0, 0, 0, size), joined. */
function demux(logs: Buffer): string {
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= logs.length; ) {
    const size = logs.readUInt32BE(at + 4);
    parts.push(logs.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}

const SCRIPT = `set -e
cd /work/A
git log -1 --format=%s
git describe --always
git symbolic-ref --short HEAD
git rev-parse HEAD
git diff --name-only HEAD~1
echo "status:[$(git status --porcelain)]"
cd /work/B && git log -1 --format=%s`;

it("a container from the git image works in the copied workspace: log, describe, diff, a clean status", async () => {
  const { request } = await twoChangesOnAOneOnB(h);
  const merger = await h.merger();
  const state = await merger.merge(request);
  const ws = await merger.prepareWorkspace(state, "docker-1");
  const { code, out } = await runIn(merger.workspaceTar(ws), SCRIPT);
  expect(out, out).toMatch(/^A: second change\nv1\.0-2-g[0-9a-f]{7,}\nmain\n/);
  expect(out).toContain(`\n${state.A!.commit}\nsrc/two.txt\nstatus:[]\nB: the change\n`);
  expect(code).toBe(0);
  await merger.removeWorkspace(ws);
}, 120_000);

it("a build running as another user gets the workspace as its own (git refuses a foreign owner)", async () => {
  const { request } = await twoChangesOnAOneOnB(h);
  const merger = await h.merger();
  const ws = await merger.prepareWorkspace(await merger.merge(request), "docker-2");
  const script = "cd /work/A && git log -1 --format=%s && touch /work/A/built && git status --porcelain";
  const owned = await runIn(merger.workspaceTar(ws, { owner: { uid: 1000, gid: 1000 } }), script, "1000:1000");
  expect(owned.out).toBe("A: second change\n?? built\n");
  expect(owned.code).toBe(0);
  // Owned by root (the default) while the build runs as 1000: git says why it stops.
  const foreign = await runIn(merger.workspaceTar(ws), script, "1000:1000");
  expect(foreign.out).toContain("dubious ownership");
  expect(foreign.code).not.toBe(0);
  await merger.removeWorkspace(ws);
}, 120_000);
