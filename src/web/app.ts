import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { VERSION } from "../version.ts";
import { ansiAsset } from "./ansi.ts";
import { adminRoutes } from "./api/admin-routes.ts";
import { artifactRoutes } from "./api/artifact-routes.ts";
import { consoleRoutes } from "./api/console-routes.ts";
import { eventsRoute } from "./api/events-route.ts";
import { type MetricsContext, metricsRoute } from "./api/metrics-route.ts";
import { readRoutes } from "./api/read-routes.ts";
import { type ReloadContext, reloadRoute } from "./api/reload-route.ts";
import { ASSETS } from "./assets.gen.ts";
import type { WebContext } from "./context.ts";
import { hostGuard } from "./hosts.ts";
import { errorHandler, notFoundOrWrongMethod, securityHeaders } from "./http.ts";
import { pageRoutes } from "./pages/routes.ts";
import { signinRoutes } from "./pages/signin.ts";
import { SessionStore } from "./session.ts";
import { StatusSource } from "./status-source.ts";

export type { AdminActions, ChangeRequest, ConsoleAccess, EnqueueRequest, WebContext } from "./context.ts";

/**
 * The whole web layer: JSON API, live streams and server-rendered pages (docs/web.md). Every
 * answer carries the security headers; a Host not on the allow-list is a 421 before any route
 * (/healthz included); an unknown path is a 404 and a known path with the wrong method a 405,
 * both before any authentication.
 */
export function createApp(ctx: WebContext & MetricsContext & ReloadContext): Hono {
  const app = new Hono();
  const status = new StatusSource(ctx);
  const ansiJs = ansiAsset();
  // Admin sessions of the browser (docs/web.md): in memory, so a restart signs everyone out.
  const sessions = new SessionStore();

  app.use("*", securityHeaders);
  app.use("*", hostGuard(ctx.allowedHosts));

  app.get("/healthz", (c) => {
    const { ok, problems } = ctx.health?.() ?? { ok: true, problems: [] };
    const uptime = Math.round((Date.now() - ctx.startedAt) / 1000);
    return c.json({ ok, version: VERSION, uptime, problems }, ok ? 200 : 503, { "cache-control": "no-store" });
  });

  app.route("/", metricsRoute(ctx));

  app.get("/assets/ansi.js", (c) => c.body(ansiJs, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }));
  app.get("/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    if (!asset) throw new HTTPException(404, { message: "no such asset" });
    return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=300" });
  });

  app.route("/api", readRoutes(ctx, status));
  app.route("/api", consoleRoutes(ctx));
  app.route("/api", eventsRoute(ctx, status));
  app.route("/api", adminRoutes(ctx, sessions));
  app.route("/api", reloadRoute(ctx));
  app.route("/", artifactRoutes(ctx));
  app.route("/", signinRoutes(ctx, sessions));
  app.route("/", pageRoutes(ctx, status));

  app.notFound(notFoundOrWrongMethod(app));
  app.onError(errorHandler(ctx.log));
  return app;
}
