import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.ts";
import {
  accessHint,
  dockerOptions,
  endpointProblems,
  isLoopback,
  parseEndpoint,
} from "../../../src/executor/docker/endpoint.ts";

const FP = `SHA256:${"A".repeat(43)}`;

describe("parseEndpoint", () => {
  it("reads unix sockets, tcp and ssh endpoints", () => {
    expect(parseEndpoint("unix:///var/run/docker.sock")).toEqual({ scheme: "unix", path: "/var/run/docker.sock" });
    expect(parseEndpoint("/run/user/1000/docker.sock")).toEqual({ scheme: "unix", path: "/run/user/1000/docker.sock" });
    expect(parseEndpoint("tcp://127.0.0.1:2375")).toEqual({ scheme: "tcp", host: "127.0.0.1", port: 2375 });
    expect(parseEndpoint("tcp://[::1]:2375/")).toEqual({ scheme: "tcp", host: "::1", port: 2375 });
    expect(parseEndpoint("ssh://ci@build1.example.org")).toEqual({ scheme: "ssh", user: "ci", host: "build1.example.org", port: 22 });
    expect(parseEndpoint("ssh://ci.bot@[fd00::5]:2222")).toEqual({ scheme: "ssh", user: "ci.bot", host: "fd00::5", port: 2222 });
  });

  it("says why anything else is not an endpoint", () => {
    for (const bad of ["", "docker.sock", "unix://relative", "tcp://host", "tcp://h:99999", "http://h:1", "ssh://u@h:0"]) {
      expect(parseEndpoint(bad)).toEqual(expect.any(String));
    }
    expect(parseEndpoint("ssh://build1:22")).toMatch(/give the user to log in as: ssh:\/\/USER@HOST/);
  });

  it("knows loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) expect(isLoopback(h)).toBe(true);
    for (const h of ["10.0.0.1", "build1", "::", "0.0.0.0", "128.0.0.1", "localhost.example.org"]) expect(isLoopback(h)).toBe(false);
  });
});

describe("endpointProblems", () => {
  const fields = (endpoint: string, access = {}) => endpointProblems(endpoint, access).map((p) => p.field);

  it("refuses plain tcp to another host unless it is insecure on purpose", () => {
    const [p] = endpointProblems("tcp://10.0.0.5:2375", {});
    expect(p?.field).toBe("endpoint");
    expect(p?.message).toMatch(/^plain tcp:\/\/ to 10\.0\.0\.5 opens the Docker API \(root on that host\).*give tls: \{ca, cert, key\}, use ssh:\/\/, or write insecure: true/);
    expect(fields("tcp://10.0.0.5:2375", { insecure: true })).toEqual([]);
    expect(fields("tcp://127.0.0.1:2375")).toEqual([]);
    expect(fields("tcp://[::1]:2375")).toEqual([]);
    expect(fields("tcp://build1:2376", { tls: { ca: "a", cert: "b", key: "c" } })).toEqual([]);
  });

  it("refuses settings that do not fit the scheme", () => {
    const tls = { ca: "a", cert: "b", key: "c" };
    expect(fields("unix:///var/run/docker.sock", { tls, insecure: true, sshKey: "k", sshHostKey: [FP] })).toEqual(["tls", "insecure", "ssh-key", "ssh-host-key"]);
    expect(fields("tcp://build1:2376", { tls, insecure: true })).toEqual(["insecure"]);
    expect(fields("ssh://ci@build1", { tls, sshKey: "k", sshHostKey: [FP] })).toEqual(["tls"]);
  });

  it("wants a key and the host's fingerprint for ssh", () => {
    expect(fields("ssh://ci@build1")).toEqual(["ssh-key", "ssh-host-key"]);
    expect(endpointProblems("ssh://ci@build1:2222", { sshKey: "k" })[0]?.message).toMatch(/ssh-keyscan -p 2222 build1 \| ssh-keygen -lf -/);
    expect(fields("ssh://ci@build1", { sshKey: "k", sshHostKey: ["MD5:aa:bb"] })).toEqual(["ssh-host-key"]);
  });
});

describe("dockerOptions", () => {
  let dir: string;
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "gatebox-endpoint-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives dockerode a socket, plain http or https with the files' contents", () => {
    expect(dockerOptions("unix:///var/run/docker.sock")).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(dockerOptions("tcp://127.0.0.1:2375")).toEqual({ host: "127.0.0.1", port: 2375, protocol: "http" });
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
    const tls = { ca: file("ca.pem", cert + cert), cert: file("cert.pem", cert), key: file("key.pem", key) };
    expect(dockerOptions("tcp://build1:2376", { tls })).toEqual({ host: "build1", port: 2376, protocol: "https", ca: [cert.trim(), cert.trim()], cert, key });
  });

  it("ignores DOCKER_HOST and DOCKER_CERT_PATH of gatebox's own environment", () => {
    const saved = { ...process.env };
    process.env.DOCKER_HOST = "tcp://10.9.9.9:2376";
    process.env.DOCKER_TLS_VERIFY = "1";
    try {
      const modem = (new Docker(dockerOptions("unix:///tmp/x.sock")) as unknown as { modem: { host?: string; socketPath?: string } }).modem;
      expect(modem.host).toBeUndefined();
      expect(modem.socketPath).toBe("/tmp/x.sock");
    } finally {
      process.env = saved;
    }
  });

  it("names the config entry and field of a problem, or of a file it cannot use", () => {
    const at = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        return (err as Error).message;
      }
      throw new Error("expected an InputError");
    };
    expect(at(() => dockerOptions("tcp://10.0.0.5:2375", {}, "executors[ci]"))).toMatch(/^executors\[ci\]\.endpoint: plain tcp:\/\//);
    const missing = { ca: join(dir, "nope.pem"), cert: join(dir, "nope.pem"), key: join(dir, "nope.pem") };
    expect(at(() => dockerOptions("tcp://build1:2376", { tls: missing }, "executors[ci]"))).toBe(`executors[ci].tls.ca: cannot read ${missing.ca} (ENOENT)`);
    const notPem = { ca: file("junk.pem", "hello"), cert: missing.cert, key: missing.key };
    expect(at(() => dockerOptions("tcp://build1:2376", { tls: notPem }, "e"))).toBe(`e.tls.ca: ${notPem.ca} holds no PEM certificate`);
    const cert = file("c.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const locked = { ca: cert, cert, key: file("k.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----\n") };
    expect(at(() => dockerOptions("tcp://build1:2376", { tls: locked }, "e"))).toMatch(/^e\.tls\.key: .*k\.pem is protected by a passphrase/);
  });

  it("reads an ssh key, refuses one with a passphrase, and checks the host key's fingerprint", () => {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "plain")]);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret", "-f", join(dir, "locked")]);
    const pub = readFileSync(join(dir, "plain.pub"), "utf8").split(" ")[1]!;
    const fp = execFileSync("ssh-keygen", ["-lf", join(dir, "plain.pub")], { encoding: "utf8" }).split(" ")[1]!;
    const opts = dockerOptions("ssh://ci@127.0.0.1:2222", { sshKey: join(dir, "plain"), sshHostKey: [fp] });
    expect(opts).toMatchObject({ host: "127.0.0.1", port: 2222, protocol: "ssh", username: "ci" });
    const verify = opts.sshOptions!.hostVerifier as unknown as (key: Buffer) => boolean;
    expect(verify(Buffer.from(pub, "base64"))).toBe(true);
    expect(verify(Buffer.from("another key"))).toBe(false);
    expect(() => dockerOptions("ssh://ci@h", { sshKey: join(dir, "locked"), sshHostKey: [fp] }, "e")).toThrow(
      /^e\.ssh-key: .*locked is protected by a passphrase/,
    );
  });
});

describe("accessHint", () => {
  it("explains the usual TLS and SSH refusals", () => {
    const hint = (code: string | undefined, message: string) => accessHint(Object.assign(new Error(message), { code }));
    expect(hint("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate")).toMatch(/not signed by tls\.ca/);
    expect(hint("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames")).toMatch(/not issued for this host/);
    expect(hint("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "alert bad certificate")).toMatch(/refused our client certificate/);
    expect(hint(undefined, "(HTTP code 400) unexpected - Client sent an HTTP request to an HTTPS server.")).toMatch(/speaks TLS/);
    expect(hint(undefined, "All configured authentication methods failed")).toMatch(/refused ssh-key/);
    expect(hint(undefined, "Host denied (verification failed)")).toMatch(/not the one ssh-host-key names/);
    expect(hint("ECONNREFUSED", "connect ECONNREFUSED")).toBeNull();
  });
});
