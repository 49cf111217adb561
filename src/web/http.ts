import type { Context, Hono, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { TrieRouter } from "hono/router/trie-router";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GateboxError, InputError, UsageError } from "../errors.ts";

/**
 * What every answer shares (docs/web.md): the security headers, 404/405 for paths and methods
 * no route takes, and errors as a status with a message, never a stack.
 */

/**
 * The pages' policy: scripts, styles and connections from this origin only, no inline script or
 * style attribute, never framed. Artifacts keep their stricter `sandbox` policy.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Sets the security headers on every answer, errors included; a policy set by a route (artifacts) is kept. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  try {
    setSecurityHeaders(c.res.headers);
  } catch {
    // Immutable headers (a Response.redirect()): a copy takes them.
    c.res = new Response(c.res.body, c.res);
    setSecurityHeaders(c.res.headers);
  }
};

function setSecurityHeaders(h: Headers): void {
  if (!h.has("content-security-policy")) h.set("content-security-policy", PAGE_CSP);
  h.set("x-content-type-options", "nosniff");
  h.set("x-frame-options", "DENY");
  h.set("referrer-policy", "no-referrer");
}

/**
 * The status and message an error is answered with; null for a bug (500, logged with its stack).
 * Errors typed as ours to report (src/errors.ts) are 4xx with their message: bad input 400; a
 * thing the source does not have (an upstream 404, e.g. a change Gerrit does not know) 404; any
 * other (Gerrit unreachable or refusing, the store unusable) 422, understood but not carried out.
 */
export function errorAnswer(err: Error): { status: ContentfulStatusCode; message: string } | null {
  if (err instanceof HTTPException) return { status: err.status as ContentfulStatusCode, message: err.message };
  if (err instanceof InputError || err instanceof UsageError) return { status: 400, message: err.message };
  if (err instanceof GateboxError) {
    const upstream = (err as { status?: unknown }).status;
    return { status: upstream === 404 ? 404 : 422, message: err.message };
  }
  return null;
}

/**
 * hono's onError: the answer from errorAnswer(), else a 500 whose body says only where to look;
 * the stack goes to `log` (the operator's log in `gatebox serve`, else stderr).
 */
export function errorHandler(log: (line: string) => void = (line) => console.error(line)): (err: Error, c: Context) => Response {
  return (err, c) => {
    const known = errorAnswer(err);
    // Headers set before the throw are kept (WWW-Authenticate on a 401).
    if (known) return c.json({ error: known.message }, known.status);
    log(`gatebox web: internal error on ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return c.json({ error: "internal error (logged on the server)" }, 500);
  };
}

/**
 * hono's notFound for an app: 404 for a path no route has; for a path that some route has under
 * other methods, 405 with `Allow` (OPTIONS: 204 with `Allow`). Reads the app's routes on first use.
 */
export function notFoundOrWrongMethod(app: Hono): (c: Context) => Response {
  let allowed: ((path: string) => string[]) | null = null;
  return (c) => {
    allowed ??= methodsOf(app.routes);
    const methods = allowed(c.req.path);
    if (methods.length === 0) return c.json({ error: `not found: ${c.req.path}` }, 404);
    const allow = [...methods, "OPTIONS"].join(", ");
    if (c.req.method === "OPTIONS") return c.body(null, 204, { allow });
    return c.json({ error: `method ${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}` }, 405, { allow });
  };
}

/** For a path, the methods the routes take it with (GET brings HEAD; middleware, method ALL, is no route). */
function methodsOf(routes: readonly { method: string; path: string }[]): (path: string) => string[] {
  const router = new TrieRouter<true>();
  const methods = new Set<string>();
  for (const r of routes) {
    if (r.method === "ALL") continue;
    router.add(r.method, r.path, true);
    methods.add(r.method);
  }
  const order = [...methods].sort();
  return (path) => {
    const found = order.filter((m) => router.match(m, path)[0].length > 0);
    if (found.includes("GET")) found.splice(found.indexOf("GET") + 1, 0, "HEAD");
    return found;
  };
}
