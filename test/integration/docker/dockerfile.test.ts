import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureBinary, REPO_ROOT } from "../../support/binary.ts";

// The Dockerfile builds on a base from a build argument; here the base is a Debian made locally by
// debootstrap and `docker import` (scripts/ensure-debian-image.sh), since no registry is reachable.
const BASE = "gatebox-test/debian:bookworm";
const TAG = "gatebox-test/gatebox:dockerfile-test";
const NAME = `gatebox-dockerfile-test-${process.pid}`;

function sh(cmd: string, args: string[], timeout = 600_000) {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: "utf8", timeout });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  ensureBinary();
  sh("bash", ["scripts/ensure-debian-image.sh"], 900_000);
  sh("docker", ["build", "-q", "--build-arg", `BASE=${BASE}`, "-t", TAG, "."]);
}, 1_000_000);

afterAll(() => {
  spawnSync("docker", ["rm", "-f", NAME]);
});

it("builds an image that runs gatebox serve and answers /healthz", async () => {
  expect(sh("docker", ["run", "--rm", "--network", "none", TAG, "version"])).toMatch(/^gatebox \d/);
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = probe.port as number;
  await probe.stop(true);
  // Host networking keeps all traffic on loopback: the server binds 127.0.0.1 in the host's namespace.
  const child = spawn("docker", ["run", "--rm", "--name", NAME, "--network", "host", TAG, "serve", "--data", "/tmp/data", "--listen", `127.0.0.1:${port}`]);
  const deadline = Date.now() + 20_000;
  let body: unknown = null;
  while (Date.now() < deadline) {
    try {
      body = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      break;
    } catch {
      await Bun.sleep(100);
    }
  }
  expect(body).toMatchObject({ ok: true });
  sh("docker", ["kill", "--signal", "TERM", NAME]);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(code).toBe(0);
}, 60_000);

