import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHostPort } from "../../../src/config/listen.ts";
import { loadConfigFile } from "../../../src/config/load.ts";
import { MAX_SECRET_FILE_BYTES, resolveSecret } from "../../../src/config/secrets.ts";
import { accepted, problems } from "./support.ts";

describe("listen addresses", () => {
  it.each([
    ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
    ["0.0.0.0:1", { host: "0.0.0.0", port: 1 }],
    ["[::1]:7900", { host: "::1", port: 7900 }],
    ["[::]:80", { host: "::", port: 80 }],
    ["localhost:8080", { host: "localhost", port: 8080 }],
    ["gate-1.example.org:443", { host: "gate-1.example.org", port: 443 }],
  ])("takes %s", (text, listen) => {
    expect(parseHostPort(text)).toEqual(listen);
  });

  it.each([
    ["256.1.1.1:80", "256.1.1.1 is not an IPv4 address (four numbers 0-255, e.g. 127.0.0.1)"],
    ["1.2.3:80", "1.2.3 is not an IPv4 address (four numbers 0-255, e.g. 127.0.0.1)"],
    ["::1:80", "write an IPv6 address in brackets, e.g. [::1]:PORT"],
    ["[::g]:80", "[::g] is not an IPv6 address (write it in brackets, e.g. [::1]:8080)"],
    ["under_score:80", "under_score is not a host name or an IP address (letters, digits, '-' and '.')"],
    ["a..b:80", "a..b is not a host name or an IP address (letters, digits, '-' and '.')"],
    ["-lead:80", "-lead is not a host name or an IP address (letters, digits, '-' and '.')"],
    ["host:http", "expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 (the port must be a number)"],
    ["8080", "expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080"],
    ["127.0.0.1:0", "the port must be between 1 and 65535, got 0"],
  ])("refuses %s", (text, why) => {
    expect(parseHostPort(text)).toBe(why);
  });

  it("lets a flag ask for any free port, and checks web.listen and console-listen in the config", () => {
    expect(parseHostPort("127.0.0.1:0", true)).toEqual({ host: "127.0.0.1", port: 0 });
    expect(problems("web:\n  listen: 256.1.1.1:80\n  console-listen: 'fe80::1:7900'\n")).toEqual([
      "gatebox.yaml:2: web.listen: 256.1.1.1 is not an IPv4 address (four numbers 0-255, e.g. 127.0.0.1)",
      "gatebox.yaml:3: web.console-listen: write an IPv6 address in brackets, e.g. [fe80::1]:PORT",
    ]);
    const web = accepted("web: {listen: '[::1]:8081'}\n").web;
    expect(web.listen).toEqual({ host: "::1", port: 8081 });
    expect(web.url).toBe("http://[::1]:8081");
  });
});

describe("files the config names", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "gatebox-files-"));
    spawnSync("mkfifo", [join(dir, "fifo")]);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const place = "gatebox.yaml:9: web.admin-token";
  const secret = (file: string) => () => resolveSecret({ file, place }, "web.admin-token", {});
  const limit = "(a secret file must be a regular file of at most 64 KiB)";

  it("reads a secret from a regular file or a link to one, trimmed", () => {
    writeFileSync(join(dir, "token"), "s3cret\n");
    symlinkSync(join(dir, "token"), join(dir, "token-link"));
    expect(secret(join(dir, "token-link"))().reveal()).toBe("s3cret");
  });

  it("refuses /dev/zero, a FIFO, a directory and a file over 64 KiB before reading, naming the place", () => {
    writeFileSync(join(dir, "big"), "x".repeat(MAX_SECRET_FILE_BYTES + 1));
    expect(secret("/dev/zero")).toThrow(`${place}: /dev/zero is a device, not a regular file ${limit}`);
    expect(secret(join(dir, "fifo"))).toThrow(`${place}: ${join(dir, "fifo")} is a named pipe (FIFO), not a regular file ${limit}`);
    expect(secret(dir)).toThrow(`${place}: ${dir} is a directory, not a file ${limit}`);
    expect(secret(join(dir, "big"))).toThrow(`${place}: ${join(dir, "big")} is 65537 bytes, larger than the limit of 64 KiB ${limit}`);
    expect(secret(join(dir, "missing"))).toThrow(`${place}: cannot read ${join(dir, "missing")} (ENOENT)`);
  });

  it("reads at most 64 KiB of a file that says it is empty (/proc)", () => {
    expect(secret("/proc/self/status")().reveal()).toContain("Name:");
  });

  it("refuses a config file that is a FIFO or a device without waiting", () => {
    expect(() => loadConfigFile(join(dir, "fifo"))).toThrow(`${join(dir, "fifo")}: is a named pipe (FIFO), not a regular file`);
    expect(() => loadConfigFile("/dev/zero")).toThrow("/dev/zero: is a device, not a regular file");
    expect(() => loadConfigFile(join(dir, "nothing.yaml"))).toThrow(`${join(dir, "nothing.yaml")}: cannot read the config file (ENOENT)`);
  });
});
