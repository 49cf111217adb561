import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { InputError } from "../../errors.ts";
import { bearerMatches } from "../auth.ts";
import type { WebContext } from "../context.ts";

/** What a reload that was applied answers (POST /api/reload, `gatebox reload`). */
export interface ReloadAnswer {
  ok: true;
  /** The config file read again. */
  file: string;
  /** Items that left because the new config has no place for them. */
  dequeued: { pipeline: string; change: string; project: string; why: string }[];
  /** Changes the running gatebox does not take on the fly: they apply at the next restart. */
  restartNeeded: string[];
}

/** server/server.ts passes the reload (re-reads the config file and applies it, or refuses it). */
export interface ReloadContext {
  reload?: () => Promise<ReloadAnswer>;
}

/**
 * POST /api/reload: re-reads the config file, as SIGHUP does. Needs the admin token (401 without
 * it). A valid config is applied and answered 200 with what changed; an invalid one is refused,
 * the old one kept: 400 with `error` and `problems`, every problem as FILE:LINE: FIELD: MESSAGE.
 */
export function reloadRoute(ctx: WebContext & ReloadContext): Hono {
  const api = new Hono();
  api.post("/reload", async (c) => {
    if (!bearerMatches(c.req.header("authorization"), ctx.adminToken)) {
      const why = ctx.adminToken === null ? "admin actions are disabled (set web.admin-token)" : "a valid admin token is required";
      c.header("www-authenticate", 'Bearer realm="gatebox"');
      throw new HTTPException(401, { message: why });
    }
    if (!ctx.reload) throw new HTTPException(404, { message: "this server cannot reload its config" });
    try {
      return c.json(await ctx.reload());
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return c.json({ error: `the config was not reloaded: ${err.message}`, problems: err.problems }, 400);
    }
  });
  return api;
}
