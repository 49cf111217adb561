import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GerritHttpError, GerritUnreachableError } from "../../../src/sources/gerrit/errors.ts";
import { createApp } from "../../../src/web/app.ts";
import type { WebContext } from "../../../src/web/context.ts";
import { PAGE_CSP } from "../../../src/web/http.ts";
import { createFixture, type Fixture, failSecondItem, TOKEN } from "./fixture.ts";

/** The web's hardening (docs/web.md): 404/405 before auth, errors without stacks, security headers. */

let f: Fixture;
let app: ReturnType<typeof createApp>;
beforeEach(() => {
  f = createFixture();
  failSecondItem(f);
  app = createApp(f.ctx);
});
afterEach(() => {
  vi.restoreAllMocks();
  f.close();
});

const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const answer = async (res: Response) => ({ status: res.status, allow: res.headers.get("allow"), body: await res.text() });

describe("unknown paths and wrong methods", () => {
  it.each([
    ["GET", "/api/nope"],
    ["POST", "/api/nope"],
    ["OPTIONS", "/api/nope"],
    ["POST", "/api/enqueue/extra"],
    ["GET", "/api/builds/1/nope"],
    ["GET", "/nope"],
  ])("%s %s is a 404 before any authentication", async (method, path) => {
    const res = await app.request(path, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect(((await res.json()) as { error: string }).error).toContain("not found");
  });

  it.each([
    ["GET", "/api/enqueue", "POST, OPTIONS"],
    ["DELETE", "/api/dequeue", "POST, OPTIONS"],
    ["POST", "/api/status", "GET, HEAD, OPTIONS"],
    ["PUT", "/api/builds/old-1", "GET, HEAD, OPTIONS"],
    ["POST", "/", "GET, HEAD, OPTIONS"],
    ["POST", "/healthz", "GET, HEAD, OPTIONS"],
    ["DELETE", "/assets/style.css", "GET, HEAD, OPTIONS"],
    ["POST", "/builds/old-1/artifacts/a.txt", "GET, HEAD, OPTIONS"],
  ])("%s %s is a 405 with Allow: %s", async (method, path, allow) => {
    const res = await answer(await app.request(path, { method, headers: auth, body: method === "GET" ? null : "{}" }));
    expect(res).toMatchObject({ status: 405, allow });
    expect(res.body).toContain(`method ${method} is not allowed`);
    expect(f.calls).toEqual([]);
  });

  it("answers OPTIONS on a known path with 204 and Allow, and HEAD like GET", async () => {
    expect(await answer(await app.request("/api/enqueue", { method: "OPTIONS" }))).toMatchObject({ status: 204, allow: "POST, OPTIONS" });
    expect(await answer(await app.request("/api/status", { method: "OPTIONS" }))).toMatchObject({ status: 204, allow: "GET, HEAD, OPTIONS" });
    expect((await app.request("/api/status", { method: "HEAD" })).status).toBe(200);
  });

  it("still asks the admin routes for the token", async () => {
    const res = await app.request("/api/enqueue", { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });
});

describe("errors", () => {
  const failingEnqueue = (err: Error): WebContext => ({ ...f.ctx, actions: { ...f.ctx.actions, enqueue: () => Promise.reject(err) } });
  const enqueue = (ctx: WebContext) =>
    createApp(ctx).request("/api/enqueue", { method: "POST", headers: auth, body: JSON.stringify({ pipeline: "gate", project: "acme/app", change: 99999 }) });

  it("answers an enqueue of a change Gerrit does not have with 404 and Gerrit's message", async () => {
    const res = await enqueue(failingEnqueue(new GerritHttpError("GET", "/changes/acme%2Fapp~99999", 404, "Not found: 99999")));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe("Gerrit answered 404 to GET /changes/acme%2Fapp~99999: Not found: 99999");
  });

  it("answers any other error of ours with a 4xx and its message, never a 500", async () => {
    const res = await enqueue(failingEnqueue(new GerritUnreachableError("cannot reach Gerrit at http://gerrit.test (ECONNREFUSED)", "GET", "/changes/")));
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toContain("cannot reach Gerrit");
  });

  it("answers a bug with a 500 that carries no stack, and logs the stack on the server", async () => {
    const bug = () => {
      throw new TypeError("cannot read properties of undefined (reading 'queues')");
    };
    const logged: string[] = [];
    const stderr: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void stderr.push(line));
    for (const [ctx, lines] of [
      [{ ...f.ctx, status: bug, log: (line: string) => logged.push(line) }, logged],
      [{ ...f.ctx, status: bug }, stderr],
    ] as const) {
      const res = await createApp(ctx).request("/api/status");
      const body = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(body)).toEqual({ error: "internal error (logged on the server)" });
      expect(body).not.toMatch(/TypeError|reading 'queues'|\bat\b/);
      expect(res.headers.get("content-security-policy")).toBe(PAGE_CSP);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("gatebox web: internal error on GET /api/status: TypeError: cannot read properties of undefined");
      expect(lines[0]).toMatch(/\n\s+at /);
    }
  });
});

describe("security headers", () => {
  it("are on every answer: pages, API, streams, assets, errors", async () => {
    const id = f.buildOf("gate", "1002", "unit")!;
    const paths: [string, RequestInit?][] = [
      ["/"],
      [`/builds/${id}`],
      ["/builds?result=FAILURE"],
      ["/history"],
      ["/healthz"],
      ["/assets/style.css"],
      ["/assets/ansi.js"],
      ["/api/status"],
      [`/api/builds/${id}/log`],
      ["/api/events"],
      ["/api/nope"],
      ["/api/enqueue", { method: "GET" }],
      ["/api/enqueue", { method: "POST" }],
      ["/api/builds?limit=0"],
      ["/api/status", { headers: { host: "evil.example" } }],
    ];
    for (const [path, init] of paths) {
      const res = await app.request(path, init);
      const h = Object.fromEntries(["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"].map((n) => [n, res.headers.get(n)]));
      expect(h, `${init?.method ?? "GET"} ${path} (${res.status})`).toEqual({
        "content-security-policy": PAGE_CSP,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
      });
      await res.body?.cancel();
    }
  });

  it("allow no inline script or style: the policy says so, and no page needs one", async () => {
    expect(PAGE_CSP).toContain("script-src 'self'");
    expect(PAGE_CSP).toContain("style-src 'self'");
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
    expect(PAGE_CSP).not.toContain("unsafe-inline");
    const id = f.buildOf("gate", "1002", "unit")!;
    for (const path of ["/", `/builds/${id}`, "/builds", "/history", "/builds/404404"]) {
      const page = await (await app.request(path)).text();
      expect(page, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page, path).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    }
    for (const asset of ["status.js", "build.js"]) {
      const js = await (await app.request(`/assets/${asset}`)).text();
      expect(js, asset).not.toMatch(/style="/);
    }
  });
});
