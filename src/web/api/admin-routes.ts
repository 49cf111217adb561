import { Hono } from "hono";
import { type AdminEnv, adminGuard, nowOf, sessionOf } from "../auth.ts";
import type { ChangeRequest, EnqueueRequest, WebContext } from "../context.ts";
import type { SessionStore } from "../session.ts";
import { bad } from "./params.ts";

/**
 * POST /api/enqueue {pipeline, project, change}, /api/dequeue {pipeline, change},
 * /api/promote {pipeline, change}. Each needs `Authorization: Bearer <web.admin-token>`, or an
 * admin session cookie with a same-origin request and the session's CSRF token (auth.ts):
 * without either the answer is 401 and nothing is called. Bad input is a 400 naming the field.
 * The token is checked on these routes only: any other path under /api is a 404, a wrong method a
 * 405 (app.ts). Each action, done or refused by the gate, goes to the operator's log with who asked.
 *
 * GET /api/session tells the pages whether the browser holds an admin session (web/admin.js shows
 * the admin buttons only then) and gives them the session's CSRF token; other sites cannot read it.
 */
export function adminRoutes(ctx: WebContext, sessions: SessionStore): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>();
  const admin = adminGuard(ctx, sessions);
  const log = ctx.log ?? ((line: string) => console.error(line));

  /** Runs an action, logging who asked and how it ended: `what` is [to do, done]. */
  const logged = async (actor: string, what: [string, string], act: () => Promise<void>) => {
    try {
      await act();
    } catch (err) {
      log(`gatebox web: ${actor} asked to ${what[0]}, refused: ${(err as Error).message}`);
      throw err;
    }
    log(`gatebox web: ${actor} ${what[1]}`);
  };

  api.get("/session", (c) => {
    const s = ctx.adminToken === null ? null : sessionOf(c, ctx, sessions);
    c.header("cache-control", "no-store");
    c.header("vary", "cookie");
    if (!s) return c.json({ admin: false, signin: ctx.adminToken !== null });
    return c.json({ admin: true, signin: true, session: s.label, csrf: s.csrf, expiresIn: Math.max(0, Math.round(s.expiresAt - nowOf(ctx))) });
  });

  api.post("/enqueue", admin, async (c) => {
    const body = await jsonBody(c.req.raw);
    const req: EnqueueRequest = { pipeline: str(body, "pipeline"), project: str(body, "project"), change: changeNumber(body) };
    await logged(c.get("actor"), [`enqueue ${req.change} (${req.project}) into ${req.pipeline}`, `enqueued ${req.change} (${req.project}) into ${req.pipeline}`], () => ctx.actions.enqueue(req));
    return c.json({ ok: true, action: "enqueue", ...req });
  });

  const phrase = {
    dequeue: (r: ChangeRequest): [string, string] => [`dequeue ${r.change} from ${r.pipeline}`, `dequeued ${r.change} from ${r.pipeline}`],
    promote: (r: ChangeRequest): [string, string] => [`promote ${r.change} in ${r.pipeline}`, `promoted ${r.change} in ${r.pipeline}`],
  };
  for (const action of ["dequeue", "promote"] as const) {
    api.post(`/${action}`, admin, async (c) => {
      const body = await jsonBody(c.req.raw);
      const req: ChangeRequest = { pipeline: str(body, "pipeline"), change: changeNumber(body) };
      await logged(c.get("actor"), phrase[action](req), () => ctx.actions[action](req));
      return c.json({ ok: true, action, ...req });
    });
  }

  return api;
}

async function jsonBody(req: Request): Promise<Record<string, unknown>> {
  let v: unknown;
  try {
    v = await req.json();
  } catch {
    bad("body", "must be a JSON object");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad("body", "must be a JSON object");
  return v as Record<string, unknown>;
}

function str(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (v === undefined) bad(field, "required");
  if (typeof v !== "string" || v.trim() === "") bad(field, "must be a non-empty string");
  if (v.length > 200) bad(field, "longer than 200 characters");
  return v;
}

/** A change number, given as a number or a numeric string ("12345"). */
function changeNumber(body: Record<string, unknown>): number {
  const v = body["change"];
  if (v === undefined) bad("change", "required");
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) bad("change", `must be a positive change number, got ${JSON.stringify(v).slice(0, 40)}`);
  return n;
}
