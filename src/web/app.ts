import { Hono } from "hono";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { VERSION } from "../version.ts";
import { ansiAsset } from "./ansi.ts";
import { adminRoutes } from "./api/admin-routes.ts";
import { artifactRoutes } from "./api/artifact-routes.ts";
import { consoleRoutes } from "./api/console-routes.ts";
import { eventsRoute } from "./api/events-route.ts";
import { buildId, historyFilter, oneOf, optionalInt, optionalString, RESULTS } from "./api/params.ts";
import { readRoutes } from "./api/read-routes.ts";
import { listArtifacts } from "./artifacts.ts";
import { ASSETS } from "./assets.gen.ts";
import type { WebContext } from "./context.ts";
import { jobHistory, listBuildsets, queueTimes } from "../store/history-queries.ts";
import { buildPage } from "./pages/build.ts";
import { buildsPage } from "./pages/builds.ts";
import { historyPage } from "./pages/history.ts";
import { layout } from "./pages/layout.ts";
import { setupNotice } from "./pages/setup.ts";
import { statusShell } from "./pages/status.ts";
import { getBuild, listBuilds } from "../store/queries.ts";
import { StatusSource } from "./status-source.ts";

export type { AdminActions, ChangeRequest, ConsoleAccess, EnqueueRequest, WebContext } from "./context.ts";

/** The whole web layer: JSON API, live streams and server-rendered pages (docs/web.md). */
export function createApp(ctx: WebContext): Hono {
  const app = new Hono();
  const status = new StatusSource(ctx);
  const ansiJs = ansiAsset();

  app.get("/healthz", (c) => {
    const { ok, problems } = ctx.health?.() ?? { ok: true, problems: [] };
    const uptime = Math.round((Date.now() - ctx.startedAt) / 1000);
    return c.json({ ok, version: VERSION, uptime, problems }, ok ? 200 : 503, { "cache-control": "no-store" });
  });

  app.get("/assets/ansi.js", (c) => c.body(ansiJs, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }));
  app.get("/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    if (!asset) throw new HTTPException(404, { message: "no such asset" });
    return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=300" });
  });

  app.route("/api", readRoutes(ctx, status));
  app.route("/api", consoleRoutes(ctx));
  app.route("/api", eventsRoute(ctx, status));
  app.route("/", artifactRoutes(ctx));
  // Last of the API: its bearer check guards every /api path that no route above answered.
  app.route("/api", adminRoutes(ctx));

  app.get("/", (c) =>
    c.html(layout("Status", ctx.gerritConfigured ? statusShell() : setupNotice(ctx.configFile, ctx.dataDir))),
  );

  app.get("/builds", (c) => {
    const q = c.req.query();
    const f = {
      project: optionalString(q["project"], "project"),
      pipeline: optionalString(q["pipeline"], "pipeline"),
      job: optionalString(q["job"], "job"),
      result: oneOf(q["result"], "result", RESULTS),
      change: optionalInt(q["change"], "change", 1, Number.MAX_SAFE_INTEGER),
      limit: 50,
      offset: optionalInt(q["offset"], "offset", 0, Number.MAX_SAFE_INTEGER) ?? 0,
    };
    const { total, builds } = listBuilds(ctx.db, f);
    return c.html(layout("Builds", buildsPage(f, total, builds)));
  });

  app.get("/builds/:id", (c) => {
    const id = buildId(c.req.param("id"));
    const found = getBuild(ctx.db, id);
    if (!found) return c.html(layout("No such build", notFound(`There is no build ${id}.`)), 404);
    return c.html(layout(`${found.build.job} ${found.build.id}`, buildPage(found, ctx.consoles.isLive(id), listArtifacts(ctx.dataDir, id))));
  });

  app.get("/history", (c) => {
    const f = historyFilter(c.req.query(), status.now());
    return c.html(
      layout(
        "History",
        historyPage(f, jobHistory(ctx.db, f), queueTimes(ctx.db, { ...f, limit: 200 }), listBuildsets(ctx.db, { ...f, limit: 50, offset: 0 })),
      ),
    );
  });

  app.notFound((c) => c.json({ error: `not found: ${c.req.path}` }, 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      // Keep headers set before the throw (WWW-Authenticate on a 401).
      return c.json({ error: err.message }, err.status);
    }
    console.error(`gatebox web: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return c.json({ error: "internal error (logged on the server)" }, 500);
  });
  return app;
}

function notFound(message: string) {
  return html`<section class="card"><p>${message}</p></section>`;
}
