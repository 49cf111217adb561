import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as z from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfraError } from "../../../src/errors.ts";
import { DEFAULT_MAX_RESPONSE_BYTES, GerritClient } from "../../../src/sources/gerrit/client.ts";
import {
  GerritAuthError,
  GerritHttpError,
  GerritRedirectError,
  GerritResponseError,
  GerritResponseTooLargeError,
  GerritUnreachableError,
} from "../../../src/sources/gerrit/errors.ts";
import { POLL_OPTIONS } from "../../../src/sources/gerrit/query.ts";
import { GerritSimulator } from "../../support/gerrit/simulator.ts";

let sim: GerritSimulator;
let client: GerritClient;
const logs: string[] = [];

beforeAll(async () => {
  sim = await GerritSimulator.start();
  client = new GerritClient({ url: sim.url, username: sim.ci.username, password: sim.ci.password, backoffMs: 5, retries: 3, log: (l) => logs.push(l) });
  await sim.createProject("org/project");
  for (let i = 0; i < 5; i++) await sim.uploadChange("org/project", { files: { [`f${i}.txt`]: `${i}\n` }, message: `Change ${i}\n` });
});
afterAll(async () => {
  await sim?.stop();
});

async function git(cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(["git", ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out.trim(), err };
}

describe("the standalone simulator", () => {
  it("starts, prints its URL and credentials, and answers", async () => {
    const proc = Bun.spawn([process.execPath, join(import.meta.dirname, "../../support/gerrit/standalone.ts"), "--port", "0"], { stdout: "pipe", stderr: "pipe" });
    try {
      const reader = proc.stdout.getReader();
      let out = "";
      while (!out.includes("CI account")) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      const url = /Gerrit simulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      const [, user, password] = /CI account: (\S+) \/ (\S+)/.exec(out) ?? [];
      const c = new GerritClient({ url: url!, username: user!, password: password!, retries: 0 });
      expect((await c.self()).username).toBe("gatebox");
      expect((await c.query("project:org/project", [])).length).toBe(1);
    } finally {
      proc.kill();
      await proc.exited;
    }
  });
});

describe("GerritClient against the simulator", () => {
  it("reads its own account and the server version", async () => {
    expect(await client.self()).toEqual({ accountId: 1000200, name: "gatebox CI", email: "gatebox@example.org", username: "gatebox" });
    expect(await client.serverVersion()).toBe("3.10.2");
  });

  it("bad credentials → GerritAuthError naming the call, never the password", async () => {
    const bad = new GerritClient({ url: sim.url, username: "gatebox", password: "wrong-password-xyz", retries: 0 });
    const err = await bad.self().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritAuthError);
    const e = err as GerritAuthError;
    expect(e.status).toBe(401);
    expect(e.message).toContain("GET /accounts/self");
    expect(e.message).not.toContain("wrong-password-xyz");
    expect(JSON.stringify(e)).not.toContain("wrong-password-xyz");
  });

  it("pages through _more_changes and deduplicates", async () => {
    const before = sim.requests.length;
    const changes = await client.query("project:org/project", POLL_OPTIONS, { pageSize: 2 });
    expect(changes.map((c) => c.number).sort()).toEqual([1, 2, 3, 4, 5]);
    const pages = sim.requests.slice(before).filter((r) => r.path.startsWith("/a/changes/?"));
    expect(pages).toHaveLength(3);
    expect(pages[1]!.path).toContain("S=2");
    expect(pages[2]!.path).toContain("S=4");
  });

  it("retries injected 500s and 429 with backoff, then succeeds", async () => {
    sim.failNext(500, 2);
    sim.failNext(429, 1);
    logs.length = 0;
    expect((await client.self()).accountId).toBe(1000200);
    expect(logs.filter((l) => /answered (500|429)/.test(l))).toHaveLength(3);
  });

  it("gives up after the retries with a typed error carrying Gerrit's text", async () => {
    sim.failNext(503, 4); // the first attempt and 3 retries
    const err = await client.self().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritHttpError);
    expect((err as GerritHttpError).status).toBe(503);
    expect((err as Error).message).toContain("Internal server error");
    expect(sim.clearFaults()).toBe(0);
  });

  it("4xx are not retried: 404 and 400 carry method, path and Gerrit's text", async () => {
    const before = sim.requests.length;
    const err = await client.change("org/project", 999, []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritHttpError);
    expect((err as GerritHttpError).status).toBe(404);
    expect((err as Error).message).toMatch(/GET \/changes\/org%2Fproject~999: Not found/);
    expect(sim.requests.length - before).toBe(1);
    const bad = await client.query("is:mergeable", []).catch((e: unknown) => e);
    expect((bad as GerritHttpError).status).toBe(400);
    expect((bad as GerritHttpError).body).toContain("is:mergeable");
  });

  it("malformed JSON → GerritResponseError naming the endpoint, no crash", async () => {
    sim.malformNext(/accounts\/self/);
    const err = await client.self().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritResponseError);
    expect((err as Error).message).toContain("GET /accounts/self");
    // Valid JSON of the wrong shape is refused the same way.
    const shape = await client.call(z.object({ nope: z.string() }), "GET", "/accounts/self").catch((e: unknown) => e);
    expect(shape).toBeInstanceOf(GerritResponseError);
    expect((shape as Error).message).toContain("nope");
  });

  it("times requests out and reports the server unreachable", async () => {
    const slow = new GerritClient({ url: sim.url, username: sim.ci.username, password: sim.ci.password, timeoutMs: 100, retries: 1, backoffMs: 1 });
    sim.inject({ match: /accounts\/self/, delayMs: 400, times: 2 });
    const err = await slow.self().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritUnreachableError);
    expect((err as Error).message).toContain("timed out after 100 ms");
    const dead = new GerritClient({ url: "http://127.0.0.1:9", username: "u", password: "p", retries: 1, backoffMs: 1 });
    expect(await dead.self().catch((e: unknown) => e)).toBeInstanceOf(GerritUnreachableError);
  });

  it("reads branches, submit type, related and submitted_together", async () => {
    const branches = await client.branches("org/project");
    expect(branches[0]).toEqual({ ref: "HEAD", revision: "main" });
    expect(branches[1]?.ref).toBe("refs/heads/main");
    expect(branches[1]?.revision).toBe(await sim.branchTip("org/project"));
    expect(branches.map((b) => b.ref)).toEqual(["HEAD", "refs/heads/main", "refs/meta/config"]);
    expect(await client.submitType("org/project")).toBe("MERGE_IF_NECESSARY");
    const base = await sim.uploadChange("org/project", { files: { "s.txt": "1\n" }, message: "Base\n" });
    const top = await sim.uploadChange("org/project", { files: { "s.txt": "2\n" }, message: "Top\n", parentChange: base });
    const topChange = await client.change("org/project", top, ["CURRENT_REVISION"]);
    const related = await client.related("org/project", top, topChange.revision!);
    expect(related.map((r) => r.number)).toEqual([top, base]);
    expect(related[0]?.parents[0]).toBe((await client.change("org/project", base, ["CURRENT_REVISION"])).revision);
    expect((await client.submittedTogether("org/project", top)).map((c) => c.number)).toEqual([top, base]);
    expect(await client.submittedTogether("org/project", 1)).toEqual([]);
  });

  it("git fetches a change ref over smart HTTP with basic auth via -c http.extraHeader", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gatebox-fetch-"));
    try {
      await git(dir, ["init", "-q"]);
      const c = await client.change("org/project", 1, ["CURRENT_REVISION"]);
      const ok = await git(dir, [...client.gitAuthArgs(), "fetch", "-q", client.gitUrl("org/project"), c.ref!]);
      expect(ok.code, ok.err).toBe(0);
      expect((await git(dir, ["rev-parse", "FETCH_HEAD"])).out).toBe(c.revision);
      // Without credentials /a/ refuses (401) and git fails rather than prompting.
      const denied = await git(dir, ["fetch", "-q", client.gitUrl("org/project"), c.ref!]);
      expect(denied.code).not.toBe(0);
      // The env form works too and keeps the secret out of argv.
      const p = Bun.spawn(["git", "fetch", "-q", client.gitUrl("org/project"), c.ref!], { cwd: dir, env: { ...process.env, ...client.gitAuthEnv() }, stderr: "pipe" });
      expect(await p.exited).toBe(0);
      // Protocol v2 is negotiated through the Git-Protocol header (passed on as GIT_PROTOCOL); v0 works too.
      const traced = Bun.spawn(["git", ...client.gitAuthArgs(), "-c", "protocol.version=2", "fetch", "-q", client.gitUrl("org/project"), c.ref!], {
        cwd: dir,
        env: { ...process.env, GIT_TRACE_PACKET: "1" },
        stderr: "pipe",
      });
      const trace = await new Response(traced.stderr).text();
      expect(await traced.exited).toBe(0);
      expect(trace).toContain("version 2");
      expect((await git(dir, [...client.gitAuthArgs(), "-c", "protocol.version=0", "fetch", "-q", client.gitUrl("org/project"), c.ref!])).code).toBe(0);
      // Anonymous path (no /a/) works for a public project.
      expect((await git(dir, ["fetch", "-q", `${sim.url}/org/project.git`, "refs/heads/main"])).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Another origin (same host, another port) that records every request it gets, with its Authorization. */
async function elsewhere<T>(body: (url: string, seen: { path: string; auth: string | null }[]) => Promise<T>): Promise<T> {
  const seen: { path: string; auth: string | null }[] = [];
  const other = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => {
      seen.push({ path: new URL(req.url).pathname, auth: req.headers.get("authorization") });
      return new Response("not here", { status: 404 });
    },
  });
  try {
    return await body(`http://127.0.0.1:${other.port}`, seen);
  } finally {
    await other.stop(true);
  }
}

describe("GerritClient refuses what could leak credentials or exhaust memory", () => {
  it("a redirect to another origin is an InfraError naming where it pointed; nothing is sent there, nothing retried", async () => {
    await elsewhere(async (other, seen) => {
      const before = sim.requests.length;
      sim.inject({ match: /accounts\/self/, redirectTo: other });
      const err = await client.self().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GerritRedirectError);
      expect(err).toBeInstanceOf(InfraError);
      expect((err as Error).message).toContain("302");
      expect((err as Error).message).toContain("GET /accounts/self");
      expect((err as Error).message).toContain(`${other}/a/accounts/self`);
      expect((err as Error).message).not.toContain(sim.ci.password);
      expect(seen).toEqual([]);
      expect(sim.requests.length - before).toBe(1);
      // A same-origin redirect is refused the same way: gatebox never follows one.
      sim.inject({ match: /accounts\/self/, redirectTo: sim.url });
      expect(await client.self().catch((e: unknown) => e)).toBeInstanceOf(GerritRedirectError);
    });
  });

  it("git, given gitAuthArgs()/gitAuthEnv(), does not follow Gerrit's redirect with the Authorization header", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gatebox-redirect-"));
    try {
      await git(dir, ["init", "-q"]);
      await elsewhere(async (other, seen) => {
        sim.inject({ match: /info\/refs/, redirectTo: other });
        const viaArgs = await git(dir, [...client.gitAuthArgs(), "fetch", "-q", client.gitUrl("org/project"), "refs/heads/main"]);
        expect(viaArgs.code).not.toBe(0);
        sim.inject({ match: /info\/refs/, redirectTo: other });
        const p = Bun.spawn(["git", "fetch", "-q", client.gitUrl("org/project"), "refs/heads/main"], {
          cwd: dir,
          env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...client.gitAuthEnv() },
          stderr: "pipe",
        });
        expect(await p.exited).not.toBe(0);
        expect(seen).toEqual([]);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an answer over the size cap is an InfraError naming the endpoint and the cap, and is not read whole", async () => {
    const capped = new GerritClient({ url: sim.url, username: sim.ci.username, password: sim.ci.password, retries: 2, backoffMs: 1, maxResponseBytes: 1024 * 1024 });
    const before = sim.requests.length;
    const total = 128 * 1024 * 1024;
    sim.inject({ match: /accounts\/self/, hugeBodyBytes: total });
    const err = await capped.self().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritResponseTooLargeError);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toContain("GET /accounts/self");
    expect((err as Error).message).toContain("1 MiB");
    expect(sim.requests.length - before).toBe(1); // not retried
    const streamed = sim.streamed[sim.streamed.length - 1]!;
    expect(streamed.finished).toBe(false);
    // What went out before the client hung up: the cap plus what socket buffers hold, far from the whole.
    expect(streamed.sent).toBeLessThan(16 * 1024 * 1024);
    // Still usable afterwards.
    expect((await capped.self()).accountId).toBe(1000200);
  });

  it("the default cap is 32 MiB: a 400 MiB answer stops soon after it", async () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(32 * 1024 * 1024);
    sim.inject({ match: /accounts\/self/, hugeBodyBytes: 400 * 1024 * 1024 });
    const err = await client.self().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritResponseTooLargeError);
    expect((err as Error).message).toContain("32 MiB");
    expect(sim.streamed[sim.streamed.length - 1]!.sent).toBeLessThan(48 * 1024 * 1024);
  });

  it("a query skips a change record it cannot read, names it, and returns the others", async () => {
    const all = (await client.query("project:org/project", [])).map((c) => c.number).sort((a, b) => a - b);
    sim.inject({
      match: /^GET \/changes\/\?q=project:org\/project&/,
      rewrite: (json) =>
        (json as Record<string, unknown>[]).map((c) => {
          if (c["_number"] === 2) return { ...c, status: "DRAFT" };
          if (c["_number"] === 3) return { ...c, _number: "3" };
          return c;
        }),
    });
    logs.length = 0;
    const got = (await client.query("project:org/project", [])).map((c) => c.number).sort((a, b) => a - b);
    expect(got).toEqual(all.filter((n) => n !== 2 && n !== 3));
    expect(logs.some((l) => l.includes('change 2 (status:') && l.includes('(got "DRAFT")'))).toBe(true);
    expect(logs.some((l) => /record at position \d+ of the answer to query project:org\/project \(id "org%2Fproject~3"\)/.test(l))).toBe(true);
    expect(logs).toHaveLength(2);
  });
});
