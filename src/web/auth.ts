import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/bun";
import { getCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import type { Secret } from "../config/secret.ts";
import type { WebContext } from "./context.ts";
import { CSRF_HEADER, crossSiteReason, csrfMatches } from "./csrf.ts";
import { SESSION_COOKIE, type Session, type SessionStore } from "./session.ts";

/**
 * Whether `given` is the admin token. Both sides are hashed first so the comparison is
 * constant-time whatever their lengths; a missing or empty token never matches.
 */
export function tokenMatches(given: string, token: Secret | null): boolean {
  if (token === null || token.reveal() === "") return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(token.reveal()).digest();
  return timingSafeEqual(a, b);
}

/** Whether an Authorization header carries the admin token. */
export function bearerMatches(header: string | undefined, token: Secret | null): boolean {
  if (token === null || header === undefined) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  return tokenMatches(m[1]!.trim(), token);
}

/** The peer's address as the listener saw it (no proxy header is trusted); "an unknown address" in process. */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "an unknown address";
  } catch {
    // An app called in process (app.request) has no listener to ask.
    return "an unknown address";
  }
}

export const nowOf = (ctx: WebContext) => ctx.now?.() ?? Date.now() / 1000;

/** The session the request's cookie names, if it is live. */
export function sessionOf(c: Context, ctx: WebContext, sessions: SessionStore): Session | null {
  return sessions.find(getCookie(c, SESSION_COOKIE), nowOf(ctx));
}

/** Refuses (403) a request with the cookie that is not from gatebox's own pages; see csrf.ts. */
export function refuseCrossSite(c: Context, ctx: WebContext): void {
  const why = crossSiteReason({
    url: c.req.url,
    secFetchSite: c.req.header("sec-fetch-site"),
    origin: c.req.header("origin"),
    webUrl: ctx.webUrl,
  });
  if (why !== null) throw new HTTPException(403, { message: `cross-site request refused: ${why}` });
}

/** Who did an admin action, for the operator's log. */
export type AdminEnv = { Variables: { actor: string } };

/**
 * The admin routes' door. `Authorization: Bearer <web.admin-token>` (the CLI) works as it always
 * did, and a request with that header is judged by it alone. Without it, a live session cookie
 * will do, if the request is same-origin and carries the session's CSRF token (else 403);
 * anything else is a 401 and nothing is called. Sets `actor`.
 */
export function adminGuard(ctx: WebContext, sessions: SessionStore): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const authorization = c.req.header("authorization");
    const cookie = getCookie(c, SESSION_COOKIE);
    if (authorization !== undefined || cookie === undefined || ctx.adminToken === null) {
      if (!bearerMatches(authorization, ctx.adminToken)) {
        const why = ctx.adminToken === null ? "admin actions are disabled (set web.admin-token)" : "a valid admin token is required";
        c.header("www-authenticate", 'Bearer realm="gatebox"');
        throw new HTTPException(401, { message: why });
      }
      c.set("actor", `the admin token (API) from ${clientAddress(c)}`);
      return next();
    }
    const session = sessions.find(cookie, nowOf(ctx));
    if (!session) throw new HTTPException(401, { message: "the admin session has expired or is unknown: sign in again at /signin (or send the admin token)" });
    refuseCrossSite(c, ctx);
    if (!csrfMatches(session.csrf, c.req.header(CSRF_HEADER))) {
      throw new HTTPException(403, { message: `the ${CSRF_HEADER} header is missing or wrong: reload the page and try again` });
    }
    c.set("actor", `admin session ${session.label} from ${clientAddress(c)}`);
    return next();
  };
}
