/**
 * Remote engines (docs/executor.md "Remote engines"): a second dockerd that only speaks TLS with
 * client certificates, and an sshd in front of the local engine, both on loopback ports.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfraError } from "../../../src/errors.ts";
import { Executor } from "../../../src/executor/executor.ts";
import { findRunner, type RunnerConfig } from "../../../src/executor/find-runner.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import {
  type Certificates,
  compileProbe,
  makeCertificates,
  type SecondEngine,
  type SshServer,
  startSshd,
  startTlsDockerd,
} from "../../support/remote-docker.ts";
import { consoleEvents, outputOf, requireDocker, tarOf, tempDir, uniqueBuildId } from "./helpers.ts";

/** On the second engine only: a build that finds it ran there. */
const ONLY_THERE = "gatebox-test/remote-only:tls";
const instance = `remote-${process.pid}`;

let tmp: ReturnType<typeof tempDir>;
let hub: ConsoleHub;
let certs: Certificates;
let engine: SecondEngine;
let sshd: SshServer;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir("gatebox-remote-");
  hub = new ConsoleHub(join(tmp.dir, "logs"));
  certs = makeCertificates(tmp.dir);
  [engine, sshd] = await Promise.all([startTlsDockerd(join(tmp.dir, "engine"), certs, ONLY_THERE), startSshd(tmp.dir)]);
});
afterAll(async () => {
  await Promise.all([engine?.stop(), sshd?.stop()]);
  tmp?.cleanup();
});

/** The message of the InfraError findRunner refuses `config` with. */
async function refusal(config: RunnerConfig): Promise<string> {
  const err = await findRunner(config, instance, "executors[remote]").then(
    () => new Error("the engine was reached"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InfraError);
  return (err as Error).message;
}

/** A build with a workspace copied in and an artifact copied out: every kind of API call the runner makes. */
async function build(config: RunnerConfig, image: string): Promise<{ result: string; out: string; artifacts: string[] }> {
  const runner = await findRunner(config, instance, "executors[remote]");
  const ex = new Executor({ runner, consoles: hub, capacity: 1, retryDelayMs: () => 0, artifactsDir: join(tmp.dir, "artifacts") });
  const ws = tarOf({ "hello.txt": "hello from the workspace\n" });
  try {
    const run = "echo built on $(hostname); cat hello.txt; cp hello.txt /artifacts/; echo to stderr >&2";
    const job = { image, run, attempts: 1, artifacts: { dir: "/artifacts", limit: 1 << 20 } };
    const o = await ex.startBuild({ buildId: uniqueBuildId("remote"), itemId: "i", job, workspace: ws.workspace }).outcome;
    return { result: o.result, out: outputOf(await consoleEvents(o.logPath)), artifacts: o.artifacts.map((a) => a.path) };
  } finally {
    ws.cleanup();
  }
}

const BUILT = /^built on [0-9a-f]{12}\nhello from the workspace\nto stderr\n/;

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("tcp:// with TLS, against a dockerd started with --tlsverify", () => {
  it("runs a build on that engine", async () => {
    const { result, out, artifacts } = await build({ endpoint: engine.endpoint, tls: certs.client }, ONLY_THERE);
    expect(out).toMatch(BUILT);
    expect(result).toBe("SUCCESS");
    expect(artifacts).toEqual(["hello.txt"]);
    // The image exists only there, and the engine saw the container come and go.
    const left = await new Docker({ socketPath: engine.socket }).listContainers({ all: true, filters: { label: [`gatebox.instance=${instance}`] } });
    expect(left).toEqual([]);
  });

  it("refuses an engine whose certificate another CA signed, naming the endpoint", async () => {
    const msg = await refusal({ endpoint: engine.endpoint, tls: { ...certs.client, ca: certs.rogue.ca } });
    expect(msg).toMatch(new RegExp(`^docker: no engine answers at ${escaped(engine.endpoint)}: .*\\(the engine's certificate is not signed by tls\\.ca\\)$`));
  });

  it("refuses an engine whose certificate does not name the address it is reached at", async () => {
    const msg = await refusal({ endpoint: engine.otherAddress, tls: certs.client });
    expect(msg).toMatch(/^docker: no engine answers at tcp:\/\/127\.0\.0\.2:\d+: .*\(the engine's certificate is not issued for this host name or address\)$/);
  });

  it("is refused by the engine with a client certificate it does not trust, or none", async () => {
    const msg = await refusal({ endpoint: engine.endpoint, tls: { ...certs.rogue, ca: certs.client.ca } });
    expect(msg).toMatch(new RegExp(`^docker: no engine answers at ${escaped(engine.endpoint)}: .*\\(the engine refused our client certificate`));
    // gatebox's config always gives one; the engine refuses a client that has none.
    const [host, port] = engine.endpoint.slice("tcp://".length).split(":");
    const bare = new Docker({ host, port: Number(port), protocol: "https", ca: [spawnSync("cat", [certs.client.ca], { encoding: "utf8" }).stdout] });
    await expect(bare.ping()).rejects.toThrow(/certificate|handshake|alert/i);
  });

  it("says so when plain HTTP is sent to a TLS port", async () => {
    expect(await refusal({ endpoint: engine.endpoint })).toMatch(/Client sent an HTTP request to an HTTPS server.*\(the engine speaks TLS: give tls: \{ca, cert, key\}\)/);
  });
});

describe("ssh://, against an sshd in front of the local engine", () => {
  it("runs a build through docker system dial-stdio on the host", async () => {
    const { result, out, artifacts } = await build({ endpoint: sshd.endpoint, sshKey: sshd.key, sshHostKey: [sshd.hostKey] }, "gatebox-test/busybox:latest");
    expect(out).toMatch(BUILT);
    expect(result).toBe("SUCCESS");
    expect(artifacts).toEqual(["hello.txt"]);
    expect(sshd.log()).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1/);
  });

  it("refuses a host whose key is not ssh-host-key", async () => {
    const msg = await refusal({ endpoint: sshd.endpoint, sshKey: sshd.key, sshHostKey: [sshd.otherHostKey] });
    expect(msg).toMatch(new RegExp(`^docker: no engine answers at ${escaped(sshd.endpoint)}: .*\\(the host's key is not the one ssh-host-key names\\)$`));
  });

  it("is refused by the host with a key it does not know", async () => {
    const msg = await refusal({ endpoint: sshd.endpoint, sshKey: sshd.otherKey, sshHostKey: [sshd.hostKey] });
    expect(msg).toMatch(/\(the host refused ssh-key for this user\)$/);
  });

  it("says what the host needs when docker does not answer there", async () => {
    const msg = await refusal({ endpoint: sshd.endpoint, sshKey: sshd.keyWithoutDocker, sshHostKey: [sshd.hostKey] });
    expect(msg).toMatch(/\(`docker system dial-stdio` ended at once on the host: is the docker CLI on the user's PATH there/);
  });
});

describe("the compiled binary", () => {
  it("reaches an engine over TLS and over SSH (ssh2 is bundled)", async () => {
    const probe = compileProbe(join(tmp.dir, "probe"));
    const run = (config: RunnerConfig) => spawnSync(probe, [JSON.stringify(config)], { encoding: "utf8", timeout: 30_000 });
    for (const config of [{ endpoint: engine.endpoint, tls: certs.client }, { endpoint: sshd.endpoint, sshKey: sshd.key, sshHostKey: [sshd.hostKey] }]) {
      const r = run(config);
      expect(r.stdout).toMatch(/^ok \{"memory":\d+,"cpus":\d+\}\n$/);
      expect(r.status).toBe(0);
    }
    const refused = run({ endpoint: engine.endpoint, tls: { ...certs.client, ca: certs.rogue.ca } });
    expect(refused.stdout).toMatch(/^failed docker: no engine answers at .*not signed by tls\.ca/);
  }, 120_000);
});
