import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../support/binary.ts";

/**
 * No input crashes a command: every hostile config, argument or file ends in exit 0, 1 (invalid
 * input, `file:line: field: message`) or 2 (usage), never 70 with a stack trace, and in seconds.
 */

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-hostile-"));
  spawnSync("mkfifo", [join(dir, "fifo")]);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI from source; a command still running after `timeoutMs` is killed and fails the test. */
async function gatebox(args: string[], timeoutMs = 20_000) {
  const t0 = performance.now();
  const proc = Bun.spawn([process.execPath, join(REPO_ROOT, "src/cli/main.ts"), ...args], { cwd: dir, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr, status] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { stdout, stderr, status, ms: performance.now() - t0 };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function expectHandled(r: { status: number; stderr: string }, status: number) {
  expect(r.stderr).not.toContain("internal error");
  expect(r.status, r.stderr).toBe(status);
}

const gerrit = "connections:\n  gerrit: {url: https://r.example.org, user: ci, password: {env: PW}}\n";

describe("gatebox validate on hostile files", () => {
  const laughs = (() => {
    let text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i <= 9; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]\n`;
    return text;
  })();
  const cases: [string, string, RegExp][] = [
    ["an undefined alias", "pipelines: *nope\n", /:1: pipelines: alias \*nope names no anchor/],
    ["a list of 1,000 aliases", `x: &x [1]\ny: [${Array(1000).fill("*x").join(",")}]\n`, /:1: x: unknown key/],
    ["a billion laughs", laughs, /expands to more than 1000000 values/],
    ["a pipeline named __proto__", `${gerrit}pipelines:\n  - {name: __proto__, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}\nprojects:\n  - {name: p, __proto__: {jobs: []}}\n`, /:6: projects\[0\]\.__proto__: cannot be a key/],
    ["deep nesting", `jobs: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, /:1: /],
    ["binary bytes", "jobs:\n  - name: \u0000\u00ff\ud800\n    image: \u0007\n", /:\d+: /],
    ["a misspelt key", `${gerrit.replace("password: {env: PW}", "password: {env: PW}, poll_interval: 5s")}`, /did you mean poll-interval\?/],
  ];
  it.each(cases)("%s: exit 1 with file:line", async (_name, text, expected) => {
    const r = await gatebox(["validate", file("hostile.yaml", text)]);
    expectHandled(r, 1);
    expect(r.stderr).toMatch(expected);
    expect(r.ms).toBeLessThan(10_000);
  });

  it("refuses a FIFO, /dev/zero, a directory and a file over 1 MiB without reading them", async () => {
    for (const [path, why] of [
      [join(dir, "fifo"), "is a named pipe (FIFO), not a regular file"],
      ["/dev/zero", "is a device, not a regular file"],
      [dir, "is a directory, not a file"],
      [file("big.yaml", `# ${"x".repeat(2 * 1024 * 1024)}\n`), "is 2 MiB, larger than the limit of 1 MiB"],
    ]) {
      const r = await gatebox(["validate", path as string], 10_000);
      expectHandled(r, 1);
      expect(r.stderr.split("\n")[0]).toBe(`${path}: ${why}`);
    }
  });

  it("lists 30,000 problems in seconds: the first 200, then how many more", async () => {
    const jobs = Array.from({ length: 15_000 }, (_, i) => `  - {name: j${i}, image: b, run: x, timeout: t, pids: p}\n`).join("");
    const r = await gatebox(["validate", file("many.yaml", `jobs:\n${jobs}`)], 30_000);
    expectHandled(r, 1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(202);
    expect(lines.at(-2)).toBe("… and 29800 more problems (the first 200 are listed)");
    expect(lines.at(-1)).toMatch(/many\.yaml: 30000 problems$/);
    expect(r.ms).toBeLessThan(20_000);
  });
});

describe("gatebox serve on hostile places", () => {
  const serve = (config: string, ...flags: string[]) => gatebox(["serve", "--config", file("serve.yaml", config), "--listen", "127.0.0.1:0", "--console-listen", "off", ...flags]);

  it("refuses a data directory that is a regular file, /proc/self, or holds a file where logs go", async () => {
    const regular = file("regular", "");
    const withLogs = join(dir, "data-logs");
    mkdirSync(withLogs, { recursive: true });
    writeFileSync(join(withLogs, "logs"), "");
    for (const [data, message] of [
      [regular, `${regular}: cannot create the data directory`],
      ["/proc/self", "/proc/self"],
      [withLogs, `gatebox serve: cannot start: EEXIST: file already exists, mkdir '${join(withLogs, "logs")}'`],
    ]) {
      const r = await serve("{}\n", "--data", data as string);
      expectHandled(r, 1);
      expect(r.stderr).toContain(message);
    }
  });

  it("checks listen addresses in the config and on the command line, and names one it cannot bind", async () => {
    const bad = await serve("web:\n  listen: 256.1.1.1:80\n");
    expectHandled(bad, 1);
    expect(bad.stderr).toContain("serve.yaml:2: web.listen: 256.1.1.1 is not an IPv4 address");
    const flag = await gatebox(["serve", "--listen", "256.1.1.1:80"]);
    expectHandled(flag, 2);
    expect(flag.stderr.trim()).toBe("gatebox serve: --listen '256.1.1.1:80': 256.1.1.1 is not an IPv4 address (four numbers 0-255, e.g. 127.0.0.1)");
    // Where the kernel lets anyone bind any address, there is nothing to refuse.
    if (readFileSync("/proc/sys/net/ipv4/ip_nonlocal_bind", "utf8").trim() === "1") return;
    const elsewhere = await gatebox(["serve", "--data", join(dir, "data-bind"), "--listen", "10.255.255.1:8080", "--console-listen", "off"]);
    expectHandled(elsewhere, 1);
    expect(elsewhere.stderr.trim()).toBe(
      "gatebox serve: cannot listen on 10.255.255.1:8080: it is not an address of this machine (choose another with --listen HOST:PORT or web.listen)",
    );
  });

  it("refuses secret files that are not small regular files, naming the config place, at once", async () => {
    writeFileSync(join(dir, "huge-token"), "x".repeat(100 * 1024));
    for (const [path, why] of [
      ["/dev/zero", "is a device, not a regular file"],
      [join(dir, "fifo"), "is a named pipe (FIFO), not a regular file"],
      [join(dir, "huge-token"), "is 100 KiB, larger than the limit of 64 KiB"],
    ]) {
      const r = await serve(`web:\n  admin-token: {file: ${path}}\n`, "--data", join(dir, "data-secrets"));
      expectHandled(r, 1);
      expect(r.stderr.trim()).toBe(`${join(dir, "serve.yaml")}:2: web.admin-token: ${path} ${why} (a secret file must be a regular file of at most 64 KiB)`);
      expect(r.ms).toBeLessThan(10_000);
    }
  });
});

describe("simulate on hostile files", () => {
  it("refuses a FIFO and /dev/zero as scenarios (2) without waiting for them", async () => {
    const r = await gatebox(["simulate", join(dir, "fifo"), "/dev/zero", file("laughs.yaml", "a: &a [*a]\n")], 10_000);
    expectHandled(r, 2);
    expect(r.stderr.trim().split("\n")).toEqual([
      `${join(dir, "fifo")}: is a named pipe (FIFO), not a regular file`,
      "/dev/zero: is a device, not a regular file",
      `${join(dir, "laughs.yaml")}:1: a[0]: alias *a is inside the value it names`,
    ]);
  });
});

describe("client commands on hostile arguments", () => {
  it("refuses a --url that is not an http URL (2) and a server that is not a gatebox (1)", async () => {
    const r = await gatebox(["status", "--url", "not a url"]);
    expectHandled(r, 2);
    expect(r.stderr.trim()).toBe("gatebox: --url 'not a url' is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)");
    const other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("<html>hello</html>") });
    try {
      const html = await gatebox(["status", "--url", `http://127.0.0.1:${other.port}`]);
      expectHandled(html, 1);
      expect(html.stderr).toContain("is --url a gatebox?");
    } finally {
      await other.stop(true);
    }
  });
});
