/**
 * Remote Docker engines for tests, all on loopback: a second dockerd that only speaks TLS (with
 * certificates made by openssl here), and an sshd that lets a generated key in, through which
 * `docker system dial-stdio` reaches the local engine. Run as the entry of a compiled binary, this
 * file is a probe: `probe '<RunnerConfig JSON>'` pings that engine and prints its totals.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import Docker from "dockerode";
import { findRunner, type RunnerConfig } from "../../src/executor/find-runner.ts";

/** A tool the remote-engine tests need: missing, they fail (never skip), naming the package. */
function need(path: string, pkg: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install -y ${pkg} (.ci/run does)`);
  return path;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (!addr || typeof addr === "string") throw new Error("no free port");
  return addr.port;
}

export interface TlsFilesSet {
  ca: string;
  cert: string;
  key: string;
}

export interface Certificates {
  /** The engine's CA and a client certificate it signed: what gatebox is given. */
  client: TlsFilesSet;
  /** The engine's own certificate, for 127.0.0.1 (subjectAltName IP:127.0.0.1). */
  server: { cert: string; key: string };
  /** Another CA, and a client certificate it signed: trusted by nobody here. */
  rogue: TlsFilesSet;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync(need("/usr/bin/openssl", "openssl"), args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA (cn) in dir: ca-<tag>.pem, ca-<tag>-key.pem. */
function makeCa(dir: string, tag: string): void {
  openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", `/CN=gatebox test ${tag} CA`, "-keyout", `ca-${tag}-key.pem`, "-out", `ca-${tag}.pem`);
}

/** A certificate <name>.pem (key <name>-key.pem) signed by CA <tag>, with the given extensions. */
function signed(dir: string, tag: string, name: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", `/CN=${name}`,
    "-keyout", `${name}-key.pem`, "-out", `${name}.csr`);
  openssl(dir, "x509", "-req", "-in", `${name}.csr`, "-CA", `ca-${tag}.pem`, "-CAkey", `ca-${tag}-key.pem`, "-CAcreateserial",
    "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
}

export function makeCertificates(dir: string): Certificates {
  makeCa(dir, "engine");
  makeCa(dir, "rogue");
  signed(dir, "engine", "server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  signed(dir, "engine", "client", "extendedKeyUsage=clientAuth\n");
  signed(dir, "rogue", "rogue-client", "extendedKeyUsage=clientAuth\n");
  const at = (f: string) => join(dir, f);
  return {
    client: { ca: at("ca-engine.pem"), cert: at("client.pem"), key: at("client-key.pem") },
    server: { cert: at("server.pem"), key: at("server-key.pem") },
    rogue: { ca: at("ca-rogue.pem"), cert: at("rogue-client.pem"), key: at("rogue-client-key.pem") },
  };
}

/** Ends a child we started: TERM, then KILL if it lingers. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const late = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(late);
}

export interface SecondEngine {
  /** tcp://127.0.0.1:PORT, TLS with client certificates required. */
  endpoint: string;
  /** The same engine at 127.0.0.2, an address its certificate does not name. */
  otherAddress: string;
  /** Its unix socket, for the test's own look (no TLS). */
  socket: string;
  stop(): Promise<void>;
}

/** A bridge of the second engine's own (`gbtls<port>`, 10.231.x.1/24), so nothing of the main engine's is touched. */
function makeBridge(port: number): string {
  const name = `gbtls${port}`;
  const subnet = `10.231.${port % 250}.1/24`;
  for (const args of [["link", "add", name, "type", "bridge"], ["addr", "add", subnet, "dev", name], ["link", "set", name, "up"]]) {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr}`);
  }
  return name;
}

/**
 * A second dockerd beside the main one: its own data, exec root (so its own containerd), pid
 * file, socket and bridge, and no iptables rules, so it touches nothing the main engine owns.
 * It gets the test image from the main engine, also tagged `onlyTag` (which the main one lacks).
 */
export async function startTlsDockerd(dir: string, certs: Certificates, onlyTag: string): Promise<SecondEngine> {
  const port = await freePort();
  const socket = join(dir, "docker.sock");
  for (const d of ["data", "exec"]) mkdirSync(join(dir, d), { recursive: true });
  const log = openSync(join(dir, "dockerd.log"), "a");
  const bridge = makeBridge(port);
  const child = spawn(need("/usr/sbin/dockerd", "docker.io"), [
    "--tlsverify", "--tlscacert", certs.client.ca, "--tlscert", certs.server.cert, "--tlskey", certs.server.key,
    "-H", `tcp://127.0.0.1:${port}`, "-H", `tcp://127.0.0.2:${port}`, "-H", `unix://${socket}`,
    "--data-root", join(dir, "data"), "--exec-root", join(dir, "exec"), "--pidfile", join(dir, "docker.pid"),
    // Its own bridge: `--bridge=none` would make dockerd delete the main engine's docker0.
    `--bridge=${bridge}`, "--iptables=false", "--ip-masq=false", "--ip-forward=false",
  ], { stdio: ["ignore", log, log] });
  closeSync(log);
  const stop = async () => {
    await stopChild(child, 20_000);
    spawnSync("ip", ["link", "delete", bridge]);
  };
  process.once("exit", () => child.kill("SIGTERM"));
  const docker = new Docker({ socketPath: socket });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`dockerd exited: ${readFileSync(join(dir, "dockerd.log"), "utf8").slice(-2000)}`);
    if (await docker.ping().then(() => true, () => false)) break;
    if (i > 150) {
      await stop();
      throw new Error("the second dockerd did not answer within 30 s");
    }
    await Bun.sleep(200);
  }
  const load = spawnSync("bash", ["-o", "pipefail", "-c",
    `docker save gatebox-test/busybox:latest | docker -H unix://${socket} load && docker -H unix://${socket} tag gatebox-test/busybox:latest ${onlyTag}`,
  ], { encoding: "utf8" });
  if (load.status !== 0) {
    await stop();
    throw new Error(`could not load the test image into the second dockerd: ${load.stderr}`);
  }
  return { endpoint: `tcp://127.0.0.1:${port}`, otherAddress: `tcp://127.0.0.2:${port}`, socket, stop };
}

export interface SshServer {
  /** ssh://USER@127.0.0.1:PORT */
  endpoint: string;
  /** The key the server lets in, and the fingerprint of the server's host key. */
  key: string;
  hostKey: string;
  /** A key the server does not know, and a fingerprint that is not its host key. */
  otherKey: string;
  /** A key whose login runs a command that fails instead of `docker system dial-stdio`. */
  keyWithoutDocker: string;
  otherHostKey: string;
  log(): string;
  stop(): Promise<void>;
}

function keygen(path: string): string {
  execFileSync(need("/usr/bin/ssh-keygen", "openssh-client"), ["-q", "-t", "ed25519", "-N", "", "-C", "gatebox-test", "-f", path]);
  return execFileSync("ssh-keygen", ["-lf", `${path}.pub`], { encoding: "utf8" }).split(" ")[1]!;
}

/** An sshd on a loopback port letting one generated key in as the current user. */
export async function startSshd(dir: string): Promise<SshServer> {
  const sshd = need("/usr/sbin/sshd", "openssh-server");
  const at = (f: string) => join(dir, f);
  const hostKey = keygen(at("host_key"));
  keygen(at("client_key"));
  keygen(at("other_key"));
  keygen(at("nodocker_key"));
  const otherHostKey = keygen(at("other_host_key"));
  const noDocker = `command="echo 'sh: 1: docker: not found' >&2; exit 127" ${readFileSync(at("nodocker_key.pub"), "utf8")}`;
  writeFileSync(at("authorized_keys"), readFileSync(at("client_key.pub"), "utf8") + noDocker, { mode: 0o600 });
  const port = await freePort();
  writeFileSync(at("sshd_config"), [
    "ListenAddress 127.0.0.1", `Port ${port}`, `HostKey ${at("host_key")}`, `AuthorizedKeysFile ${at("authorized_keys")}`,
    "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password", "UsePAM no", "StrictModes no", `PidFile ${at("sshd.pid")}`, "LogLevel VERBOSE", "",
  ].join("\n"));
  try {
    mkdirSync("/run/sshd", { recursive: true }); // its privilege separation directory
  } catch {}
  const child = spawn(sshd, ["-D", "-f", at("sshd_config"), "-E", at("sshd.log")], { stdio: "ignore" });
  process.once("exit", () => child.kill("SIGTERM"));
  const stop = () => stopChild(child, 5_000);
  for (let i = 0; !(await answers(port)); i++) {
    if (child.exitCode !== null || i > 100) {
      await stop();
      throw new Error(`sshd did not start: ${existsSync(at("sshd.log")) ? readFileSync(at("sshd.log"), "utf8") : ""}`);
    }
    await Bun.sleep(100);
  }
  return {
    // Not os.userInfo(): under Bun it can say "unknown".
    endpoint: `ssh://${execFileSync("id", ["-un"], { encoding: "utf8" }).trim()}@127.0.0.1:${port}`,
    key: at("client_key"),
    hostKey,
    otherKey: at("other_key"),
    keyWithoutDocker: at("nodocker_key"),
    otherHostKey,
    log: () => readFileSync(at("sshd.log"), "utf8"),
    stop,
  };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("data", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** `bun build --compile` of this file: a binary that reaches an engine the way dist/gatebox does. */
export function compileProbe(outfile: string): string {
  const entry = join(import.meta.dirname, "remote-docker.ts");
  // The same flags as scripts/build.ts.
  const r = spawnSync(process.execPath, ["build", "--compile", "--minify", "--external", "cpu-features", entry, "--outfile", outfile], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`bun build --compile failed:\n${r.stdout}\n${r.stderr}`);
  return outfile;
}

async function probeMain(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as RunnerConfig;
  try {
    const runner = await findRunner(config, "gatebox-probe", "probe");
    const totals = await runner.resources();
    process.stdout.write(`ok ${JSON.stringify(totals)}\n`);
    process.exit(0);
  } catch (err) {
    process.stdout.write(`failed ${(err as Error).message}\n`);
    process.exit(1);
  }
}

if (import.meta.main) await probeMain();
