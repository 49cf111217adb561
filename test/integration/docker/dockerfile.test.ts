import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureBinary, REPO_ROOT } from "../../support/binary.ts";

// The Dockerfile builds on a base from a build argument; here the base is a Debian made locally by
// debootstrap and `docker import` (scripts/ensure-debian-image.sh), since no registry is reachable.
const BASE = "gatebox-test/debian:bookworm";
const TAG = "gatebox-test/gatebox:dockerfile-test";
const NAME = `gatebox-dockerfile-test-${process.pid}`;
let dir = "";

function sh(cmd: string, args: string[], timeout = 600_000) {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: "utf8", timeout });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = probe.port as number;
  await probe.stop(true);
  return port;
}

/** GET with the Host header given (fetch would send the URL's). */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Asks the console stream for a build and returns what it answers. */
function askConsole(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let got = "";
    sock.setEncoding("utf8");
    sock.on("connect", () => sock.write(`${line}\n`));
    sock.on("data", (c: string) => {
      got += c;
    });
    sock.on("end", () => resolve(got));
    sock.on("close", () => resolve(got));
    sock.on("error", reject);
    sock.setTimeout(5_000, () => sock.destroy());
  });
}

beforeAll(() => {
  ensureBinary();
  sh("bash", ["scripts/ensure-debian-image.sh"], 900_000);
  sh("docker", ["build", "-q", "--build-arg", `BASE=${BASE}`, "-t", TAG, "."]);
  dir = mkdtempSync(join(tmpdir(), "gatebox-dockerfile-"));
}, 1_000_000);

afterAll(() => {
  spawnSync("docker", ["rm", "-f", NAME]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("builds an image whose default command serves the web and the console stream on published ports", async () => {
  expect(sh("docker", ["run", "--rm", "--network", "none", TAG, "version"])).toMatch(/^gatebox \d/);
  // As the README runs it: the config mounted as /etc/gatebox/gatebox.yaml, both ports published on
  // the host's loopback, the image's own command. The host port is not 8080, so web.url names the
  // address the browser uses: the Host allow-list answers it.
  const [web, cons] = [await freePort(), await freePort()];
  const config = join(dir, "gatebox.yaml");
  writeFileSync(config, `web:\n  url: http://127.0.0.1:${web}\n`);
  const child = spawn("docker", [
    ...["run", "--rm", "--name", NAME],
    ...["-p", `127.0.0.1:${web}:8080`, "-p", `127.0.0.1:${cons}:7900`],
    ...["-v", `${config}:/etc/gatebox/gatebox.yaml:ro`, TAG],
  ]);
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const deadline = Date.now() + 20_000;
  let body: unknown = null;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${web}/healthz`);
      if (r.status === 200) {
        body = await r.json();
        break;
      }
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  expect(body, out).toMatchObject({ ok: true });
  expect(out).toContain("listening on http://0.0.0.0:8080 (data in /var/lib/gatebox)");
  // Another name is refused (DNS rebinding), naming web.url.
  const other = await get(web, "/healthz", `gatebox.invalid:${web}`);
  expect(other.status).toBe(421);
  expect(other.body).toContain("web.url");
  // The console stream answers through its published port.
  expect(await askConsole(cons, "nosuch")).toContain("no build nosuch");
  sh("docker", ["kill", "--signal", "TERM", NAME]);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(code).toBe(0);
}, 60_000);
