import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { bearerMatches } from "../auth.ts";
import type { ChangeRequest, EnqueueRequest, WebContext } from "../context.ts";
import { bad } from "./params.ts";

/**
 * POST /api/enqueue {pipeline, project, change}, /api/dequeue {pipeline, change},
 * /api/promote {pipeline, change}. Each needs `Authorization: Bearer <web.admin-token>`: without
 * it the answer is 401 and nothing is called. Bad input is a 400 naming the field. The token is
 * checked on these routes only: any other path under /api is a 404, a wrong method a 405 (app.ts).
 */
export function adminRoutes(ctx: WebContext): Hono {
  const api = new Hono();

  const admin: MiddlewareHandler = async (c, next) => {
    if (!bearerMatches(c.req.header("authorization"), ctx.adminToken)) {
      const why = ctx.adminToken === null ? "admin actions are disabled (set web.admin-token)" : "a valid admin token is required";
      c.header("www-authenticate", 'Bearer realm="gatebox"');
      throw new HTTPException(401, { message: why });
    }
    await next();
  };

  api.post("/enqueue", admin, async (c) => {
    const body = await jsonBody(c.req.raw);
    const req: EnqueueRequest = { pipeline: str(body, "pipeline"), project: str(body, "project"), change: changeNumber(body) };
    await ctx.actions.enqueue(req);
    return c.json({ ok: true, action: "enqueue", ...req });
  });

  for (const action of ["dequeue", "promote"] as const) {
    api.post(`/${action}`, admin, async (c) => {
      const body = await jsonBody(c.req.raw);
      const req: ChangeRequest = { pipeline: str(body, "pipeline"), change: changeNumber(body) };
      await ctx.actions[action](req);
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
