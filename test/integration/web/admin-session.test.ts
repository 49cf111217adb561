import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../../src/web/app.ts";
import type { WebContext } from "../../../src/web/context.ts";
import { createFixture, type Fixture, failSecondItem, TOKEN } from "./fixture.ts";

// Admin in the browser through the app: sign-in, the cookie, the CSRF and origin checks on
// the admin routes, sign-out; the bearer-token API beside it, unchanged.

const ORIGIN = "http://localhost";
let f: Fixture;
let lines: string[];
let app: ReturnType<typeof createApp>;

function appWith(extra: Partial<WebContext> = {}) {
  return createApp({ ...f.ctx, log: (l) => lines.push(l), ...extra });
}

beforeEach(() => {
  f = createFixture();
  failSecondItem(f);
  lines = [];
  app = appWith();
});
afterEach(() => f.close());

const form = (fields: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN }) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  body: new URLSearchParams(fields).toString(),
});

/** Signs in; the cookie pair and the session's CSRF token. */
async function signIn(a = app): Promise<{ cookie: string; csrf: string; label: string }> {
  const res = await a.request("/signin", form({ token: TOKEN, next: "/builds" }));
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const s = (await (await a.request("/api/session", { headers: { cookie } })).json()) as { admin: boolean; csrf: string; session: string };
  expect(s.admin).toBe(true);
  return { cookie, csrf: s.csrf, label: s.session };
}

const dequeue = (headers: Record<string, string>, change = 1004) =>
  app.request("/api/dequeue", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ pipeline: "gate", change }) });

describe("sign-in", () => {
  it("serves the form", async () => {
    const res = await app.request("/signin?next=/builds/7");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('name="token"');
    expect(page).toContain('value="/builds/7"');
    expect(page).toContain("12 hours");
  });

  it("with the admin token: a session cookie (HttpOnly, SameSite=Strict, Path=/, not the token) and a redirect", async () => {
    const res = await app.request("/signin", form({ token: TOKEN, next: "/builds/7" }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/builds/7");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^gatebox_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain("Max-Age=43200");
    expect(cookie).not.toContain("Secure");
    expect(cookie).not.toContain(TOKEN);
    expect(lines.some((l) => /^gatebox web: admin session [0-9a-f]{8} signed in from /.test(l))).toBe(true);
  });

  it("marks the cookie Secure when web.url is https", async () => {
    const res = await appWith({ webUrl: "https://gate.example.com/" }).request("/signin", form({ token: TOKEN }));
    expect(res.headers.get("set-cookie")).toContain("Secure");
  });

  it("never redirects off the server", async () => {
    for (const next of ["//evil.test/", "https://evil.test/", "/\\evil.test"]) {
      const res = await app.request("/signin", form({ token: TOKEN, next }));
      expect(res.headers.get("location")).toBe("/");
    }
  });

  it("with a wrong token: 401 with a clear message, no cookie, logged", async () => {
    const res = await app.request("/signin", form({ token: "guess" }));
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.text()).toContain("That is not the admin token (web.admin-token).");
    expect(lines).toEqual(["gatebox web: a sign-in from an unknown address with a wrong admin token (1 from there in the last minute)"]);
  });

  it("refuses every sign-in for a while after 5 wrong tokens (429), the right one too", async () => {
    for (let i = 0; i < 5; i++) expect((await app.request("/signin", form({ token: `guess-${i}` }))).status).toBe(401);
    const res = await app.request("/signin", form({ token: TOKEN }));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.text()).toContain("Too many wrong admin tokens");
    f.clock.now += 61;
    expect((await app.request("/signin", form({ token: TOKEN }))).status).toBe(303);
  });

  it("refuses a sign-in posted from another site (403)", async () => {
    const res = await app.request("/signin", form({ token: TOKEN }, { origin: "http://evil.test", "sec-fetch-site": "cross-site" }));
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("says so when no admin token is configured", async () => {
    const open = appWith({ adminToken: null });
    expect(await (await open.request("/signin")).text()).toContain("Admin actions are disabled");
    expect((await open.request("/signin", form({ token: "" }))).status).toBe(401);
    expect(await (await open.request("/api/session")).json()).toEqual({ admin: false, signin: false });
  });
});

describe("admin actions with the session cookie", () => {
  it("/api/session says whether the browser is an admin one", async () => {
    const res = await app.request("/api/session");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ admin: false, signin: true });
    const { cookie } = await signIn();
    const s = (await (await app.request("/api/session", { headers: { cookie } })).json()) as Record<string, unknown>;
    expect(s).toMatchObject({ admin: true, expiresIn: 43200 });
    expect(s["csrf"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("a same-origin POST with the CSRF token is carried out and logged with the session", async () => {
    const { cookie, csrf, label } = await signIn();
    const res = await dequeue({ cookie, origin: ORIGIN, "sec-fetch-site": "same-origin", "x-gatebox-csrf": csrf });
    expect(res.status).toBe(200);
    expect(f.calls).toEqual([{ action: "dequeue", req: { pipeline: "gate", change: 1004 } }]);
    expect(lines).toContain(`gatebox web: admin session ${label} from an unknown address dequeued 1004 from gate`);
  });

  it.each([
    ["another site", { origin: "http://evil.test", "sec-fetch-site": "cross-site" }, "Sec-Fetch-Site: cross-site"],
    ["another port of the same host", { origin: "http://localhost:9999", "sec-fetch-site": "same-site" }, "same-site"],
    ["a foreign Origin only", { origin: "http://evil.test" }, "Origin: http://evil.test"],
    ["neither Origin nor Sec-Fetch-Site", {}, "does not show where it comes from"],
    ["a null Origin without Sec-Fetch-Site", { origin: "null" }, "does not show where it comes from"],
  ])("a POST from %s is refused (403) even with a valid cookie and CSRF token", async (_, headers, why) => {
    const { cookie, csrf } = await signIn();
    const res = await dequeue({ cookie, "x-gatebox-csrf": csrf, ...headers });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toContain(why);
    expect(f.calls).toEqual([]);
  });

  it("a same-origin POST without the CSRF token, or with another session's, is refused (403)", async () => {
    const { cookie } = await signIn();
    const other = await signIn();
    for (const token of [undefined, "wrong", other.csrf]) {
      const res = await dequeue({ cookie, origin: ORIGIN, ...(token ? { "x-gatebox-csrf": token } : {}) });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toContain("x-gatebox-csrf");
    }
    expect(f.calls).toEqual([]);
  });

  it("an unknown or expired session is a 401", async () => {
    const { cookie, csrf } = await signIn();
    expect((await dequeue({ cookie: "gatebox_session=made-up", origin: ORIGIN, "x-gatebox-csrf": csrf })).status).toBe(401);
    f.clock.now += 12 * 3600;
    const res = await dequeue({ cookie, origin: ORIGIN, "x-gatebox-csrf": csrf });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toContain("sign in again");
    expect(f.calls).toEqual([]);
  });

  it("an action the gate refuses is answered with its error and logged as refused", async () => {
    const { cookie, csrf, label } = await signIn();
    const res = await app.request("/api/enqueue", {
      method: "POST",
      headers: { cookie, origin: ORIGIN, "x-gatebox-csrf": csrf, "content-type": "application/json" },
      body: JSON.stringify({ pipeline: "nope", project: "acme/app", change: 5 }),
    });
    expect(res.status).toBe(400);
    expect(lines).toContain(`gatebox web: admin session ${label} from an unknown address asked to enqueue 5 (acme/app) into nope, refused: pipeline: no pipeline nope`);
  });

  it("sign-out ends the session (with the CSRF token, from the same origin)", async () => {
    const { cookie, csrf, label } = await signIn();
    expect((await app.request("/signout", form({ csrf }, { origin: "http://evil.test", cookie }))).status).toBe(403);
    expect((await app.request("/signout", form({ csrf: "wrong" }, { origin: ORIGIN, cookie }))).status).toBe(403);
    const res = await app.request("/signout", form({ csrf }, { origin: ORIGIN, cookie }));
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toContain("Max-Age=0");
    expect(lines).toContain(`gatebox web: admin session ${label} signed out from an unknown address`);
    expect(await (await app.request("/api/session", { headers: { cookie } })).json()).toEqual({ admin: false, signin: true });
    expect((await dequeue({ cookie, origin: ORIGIN, "x-gatebox-csrf": csrf })).status).toBe(401);
  });
});

describe("the bearer-token API", () => {
  it("works as before, without Origin or CSRF token, and is logged", async () => {
    const res = await dequeue({ authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, action: "dequeue", pipeline: "gate", change: 1004 });
    expect(lines).toContain("gatebox web: the admin token (API) from an unknown address dequeued 1004 from gate");
  });

  it("is judged by the header alone: a wrong token with a valid cookie is a 401", async () => {
    const { cookie, csrf } = await signIn();
    const res = await dequeue({ authorization: "Bearer wrong", cookie, origin: ORIGIN, "x-gatebox-csrf": csrf });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(f.calls).toEqual([]);
  });
});
