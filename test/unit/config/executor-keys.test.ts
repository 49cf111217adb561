import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { accepted, problems, withValues } from "./support.ts";

/** The executor slot of withValues() starts on line 21; each further line is one more. */
const executor = (...lines: string[]) => withValues({ executor: lines.join("\n    ") });
const FP = `SHA256:${"x".repeat(43)}`;

describe("executor keys for remote engines", () => {
  it("refuses plain tcp to another host, naming file:line: field", () => {
    expect(problems(executor("type: docker", "endpoint: tcp://build1.example.org:2375"))).toEqual([
      "gatebox.yaml:22: executors[0].endpoint: plain tcp:// to build1.example.org opens the Docker API (root on that host) to anyone " +
        "on the network, unencrypted: give tls: {ca, cert, key}, use ssh://, or write insecure: true to accept that",
    ]);
  });

  it("accepts plain tcp to this machine, and to another host with insecure: true", () => {
    expect(accepted(executor("type: docker", "endpoint: tcp://127.0.0.1:2375")).executors[0]).toEqual({
      name: "e", type: "docker", endpoint: "tcp://127.0.0.1:2375", capacity: 4,
    });
    expect(accepted(executor("type: docker", "endpoint: tcp://[::1]:2375")).executors[0]?.insecure).toBeUndefined();
    const e = accepted(executor("type: docker", "endpoint: tcp://10.0.0.5:2375", "insecure: true")).executors[0];
    expect(e).toMatchObject({ endpoint: "tcp://10.0.0.5:2375", insecure: true });
  });

  it("reads tls files as absolute paths", () => {
    const text = executor("type: docker", "endpoint: tcp://build1:2376", "tls: {ca: certs/ca.pem, cert: /etc/gb/cert.pem, key: /etc/gb/key.pem}");
    expect(accepted(text).executors[0]?.tls).toEqual({ ca: resolve("certs/ca.pem"), cert: "/etc/gb/cert.pem", key: "/etc/gb/key.pem" });
  });

  it("wants all three tls files", () => {
    expect(problems(executor("type: docker", "endpoint: tcp://build1:2376", "tls: {ca: ca.pem, cert: cert.pem}"))).toEqual([
      "gatebox.yaml:23: executors[0].tls.key: expected string, received undefined",
    ]);
  });

  it("reads an ssh endpoint with its key and the host's fingerprint, one or several", () => {
    const one = accepted(executor("type: docker", "endpoint: ssh://ci@build2:2222", "ssh-key: /etc/gb/id_ed25519", `ssh-host-key: ${FP}`));
    expect(one.executors[0]).toMatchObject({ endpoint: "ssh://ci@build2:2222", sshKey: "/etc/gb/id_ed25519", sshHostKey: [FP] });
    const two = accepted(executor("type: docker", "endpoint: ssh://ci@build2", "ssh-key: k", `ssh-host-key: [${FP}, ${FP.replace("x", "y")}]`));
    expect(two.executors[0]?.sshHostKey).toHaveLength(2);
    expect(two.executors[0]?.sshKey).toBe(resolve("k"));
  });

  it("refuses an ssh endpoint without a key, a fingerprint or a user", () => {
    expect(problems(executor("type: docker", "endpoint: ssh://ci@build2"))).toEqual([
      "gatebox.yaml:20: executors[0].ssh-key: an ssh:// endpoint needs ssh-key: the private key file gatebox logs in with",
      "gatebox.yaml:20: executors[0].ssh-host-key: an ssh:// endpoint needs ssh-host-key: the fingerprint of the host's key " +
        "(SHA256:…; `ssh-keyscan -p 22 build2 | ssh-keygen -lf -` shows it)",
    ]);
    expect(problems(executor("type: docker", "endpoint: ssh://ci@build2", "ssh-key: k", "ssh-host-key: MD5:ab:cd"))).toEqual([
      "gatebox.yaml:24: executors[0].ssh-host-key: expected SHA256:<43 characters>, as `ssh-keyscan -p 22 build2 | ssh-keygen -lf -` prints it, " +
        'got "MD5:ab:cd"',
    ]);
    expect(problems(executor("type: docker", "endpoint: ssh://build2", "ssh-key: k", `ssh-host-key: ${FP}`))).toEqual([
      'gatebox.yaml:22: executors[0].endpoint: give the user to log in as: ssh://USER@HOST[:PORT], got "ssh://build2"',
    ]);
  });

  it("refuses keys that do not fit the endpoint or the executor's type", () => {
    expect(problems(executor("type: docker", "endpoint: tcp://build1:2376", "tls: {ca: a, cert: b, key: c}", "insecure: true", "ssh-key: k"))).toEqual([
      "gatebox.yaml:24: executors[0].insecure: tls is set, so the endpoint is not insecure: drop insecure",
      "gatebox.yaml:25: executors[0].ssh-key: only ssh:// endpoints use an ssh key (this one is tcp://)",
    ]);
    expect(problems(executor("type: docker", "tls: {ca: a, cert: b, key: c}"))).toEqual([
      "gatebox.yaml:22: executors[0].tls: only tcp:// endpoints use tls (this one is unix://)",
    ]);
    expect(problems(executor("type: local", "insecure: true", `ssh-host-key: ${FP}`))).toEqual([
      "gatebox.yaml:22: executors[0].insecure: only docker executors have insecure",
      "gatebox.yaml:23: executors[0].ssh-host-key: only docker executors have ssh-host-key",
    ]);
  });

  it("refuses an endpoint that is not one, at load time", () => {
    expect(problems(executor("type: docker", "endpoint: http://build1:2375"))).toEqual([
      'gatebox.yaml:22: executors[0].endpoint: expected unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST[:PORT], got "http://build1:2375"',
    ]);
  });
});
