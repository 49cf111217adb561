import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { WebContext } from "../context.ts";
import { jobHistory, listBuildsets, queueTimes } from "../../store/history-queries.ts";
import { getBuild, listBuilds } from "../../store/queries.ts";
import type { StatusSource } from "../status-source.ts";
import { changeRoutes } from "./change-routes.ts";
import { buildId, historyFilter, oneOf, optionalInt, optionalString, RESULTS } from "./params.ts";

/** GET /api/status, /api/builds, /api/builds/:id, /api/changes/:number (change-routes.ts), /api/history. */
export function readRoutes(ctx: WebContext, status: StatusSource): Hono {
  const api = new Hono();

  api.get("/status", (c) => c.json(status.current()));

  api.get("/builds", (c) => {
    const q = c.req.query();
    const filter = {
      project: optionalString(q["project"], "project"),
      pipeline: optionalString(q["pipeline"], "pipeline"),
      result: oneOf(q["result"], "result", RESULTS),
      change: optionalInt(q["change"], "change", 1, Number.MAX_SAFE_INTEGER),
      job: optionalString(q["job"], "job"),
      limit: optionalInt(q["limit"], "limit", 1, 500) ?? 50,
      offset: optionalInt(q["offset"], "offset", 0, Number.MAX_SAFE_INTEGER) ?? 0,
    };
    const { total, builds } = listBuilds(ctx.db, filter);
    return c.json({ total, limit: filter.limit, offset: filter.offset, builds: builds.map((b) => withLinks(b)) });
  });

  api.get("/builds/:id", (c) => {
    const found = getBuild(ctx.db, buildId(c.req.param("id")));
    if (!found) throw new HTTPException(404, { message: `no build ${c.req.param("id")}` });
    return c.json({ ...found, build: withLinks(found.build), live: ctx.consoles.isLive(found.build.id) });
  });

  api.route("/", changeRoutes(ctx, status));

  api.get("/history", (c) => {
    const f = historyFilter(c.req.query(), status.now());
    return c.json({
      jobs: jobHistory(ctx.db, f),
      queueTimes: queueTimes(ctx.db, { ...f, limit: 200 }),
      buildsets: listBuildsets(ctx.db, { ...f, limit: 50, offset: 0 }),
    });
  });

  return api;
}

function withLinks<T extends { id: string }>(b: T): T & { url: string; logUrl: string; castUrl: string; artifactsUrl: string } {
  const id = encodeURIComponent(b.id);
  return { ...b, url: `/builds/${id}`, logUrl: `/api/builds/${id}/log`, castUrl: `/api/builds/${id}/cast`, artifactsUrl: `/api/builds/${id}/artifacts` };
}
