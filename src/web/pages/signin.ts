import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { html } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { clientAddress, nowOf, refuseCrossSite, tokenMatches } from "../auth.ts";
import type { WebContext } from "../context.ts";
import { CSRF_HEADER, csrfMatches } from "../csrf.ts";
import { SESSION_COOKIE, SESSION_LIFETIME_S, type Session, type SessionStore, SigninLimiter } from "../session.ts";
import { layout } from "./layout.ts";

/** A form body larger than this is no sign-in: refused before it is read. */
const MAX_FORM_BYTES = 4096;

/** Only a path on this server: `/x`, never `//host` or `/\host` (an open redirect). */
function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])[^\s\\]*$/.test(next) && next.length <= 500 ? next : "/";
}

interface FormState {
  next: string;
  error?: string;
  session?: Session | null;
  disabled?: boolean;
}

function signinForm(s: FormState) {
  if (s.disabled) {
    return html`<section class="card signin"><h2>Sign in</h2><p>Admin actions are disabled on this gatebox: set <code>web.admin-token</code> to enable them.</p></section>`;
  }
  const signedIn = s.session
    ? html`<p id="signed-in">You are signed in (admin session <code>${s.session.label}</code>).</p>
<form method="post" action="/signout"><input type="hidden" name="csrf" value="${s.session.csrf}"><button type="submit">Sign out</button></form>`
    : "";
  return html`<section class="card signin"><h2>Sign in as admin</h2>
${s.error ? html`<p id="signin-error" class="bad" role="alert">${s.error}</p>` : ""}${signedIn}
<form method="post" action="/signin" id="signin-form">
<input type="hidden" name="next" value="${s.next}">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
<p class="muted">The admin token is <code>web.admin-token</code>. A session lasts ${SESSION_LIFETIME_S / 3600} hours, or until gatebox restarts.</p></section>`;
}

/**
 * `/signin` (the form), `POST /signin` (token → session cookie) and `POST /signout`
 * (docs/web.md, "Admin in the browser"). Wrong tokens are counted per address and overall
 * (SigninLimiter): past the cap, a 429 until the window has passed. Both posts must come from
 * gatebox's own pages (403 otherwise), so another site can neither sign a browser in nor out.
 */
export function signinRoutes(ctx: WebContext, sessions: SessionStore, limiter = new SigninLimiter()): Hono {
  const app = new Hono();
  const log = ctx.log ?? ((line: string) => console.error(line));
  const secure = (ctx.webUrl ?? "").toLowerCase().startsWith("https:");
  const page = (c: Context, status: ContentfulStatusCode, s: FormState) =>
    c.html(layout("Sign in", signinForm({ ...s, disabled: ctx.adminToken === null }), ctx.health?.() ?? null), status);

  app.get("/signin", (c) => {
    c.header("cache-control", "no-store");
    return page(c, 200, { next: safeNext(c.req.query("next")), session: sessions.find(getCookie(c, SESSION_COOKIE), nowOf(ctx)) });
  });

  app.post("/signin", async (c) => {
    refuseCrossSite(c, ctx);
    if (ctx.adminToken === null) return page(c, 401, { next: "/", error: "Admin actions are disabled (set web.admin-token)." });
    const address = clientAddress(c);
    const wait = limiter.wait(address, nowOf(ctx));
    if (wait > 0) {
      c.header("retry-after", String(wait));
      return page(c, 429, { next: "/", error: `Too many wrong admin tokens: try again in ${wait} s.` });
    }
    const form = await formOf(c);
    const next = safeNext(form["next"]);
    const token = typeof form["token"] === "string" ? form["token"] : "";
    if (token === "") return page(c, 400, { next, error: "token: required (the admin token, web.admin-token)." });
    if (!tokenMatches(token, ctx.adminToken)) {
      const n = limiter.failed(address, nowOf(ctx));
      log(`gatebox web: a sign-in from ${address} with a wrong admin token (${n} from there in the last minute)`);
      return page(c, 401, { next, error: "That is not the admin token (web.admin-token)." });
    }
    const { id, session } = sessions.create(nowOf(ctx), address);
    setCookie(c, SESSION_COOKIE, id, { httpOnly: true, sameSite: "Strict", secure, path: "/", maxAge: SESSION_LIFETIME_S });
    log(`gatebox web: admin session ${session.label} signed in from ${address} (for ${SESSION_LIFETIME_S / 3600} h)`);
    return c.redirect(next, 303);
  });

  app.post("/signout", async (c) => {
    refuseCrossSite(c, ctx);
    const id = getCookie(c, SESSION_COOKIE);
    const session = sessions.find(id, nowOf(ctx));
    if (session) {
      const form = await formOf(c);
      const given = typeof form["csrf"] === "string" ? form["csrf"] : c.req.header(CSRF_HEADER);
      if (!csrfMatches(session.csrf, given)) throw new HTTPException(403, { message: "csrf: missing or wrong; reload the page and sign out again" });
      sessions.end(id);
      log(`gatebox web: admin session ${session.label} signed out from ${clientAddress(c)}`);
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure, httpOnly: true, sameSite: "Strict" });
    return c.redirect("/", 303);
  });

  return app;
}

/** The urlencoded or multipart form of a post (400 when it is too large to be one). */
async function formOf(c: Context): Promise<Record<string, unknown>> {
  const length = Number(c.req.header("content-length") ?? 0);
  if (length > MAX_FORM_BYTES) throw new HTTPException(413, { message: `body: larger than ${MAX_FORM_BYTES} bytes` });
  try {
    return (await c.req.parseBody()) as Record<string, unknown>;
  } catch {
    throw new HTTPException(400, { message: "body: not a form" });
  }
}
