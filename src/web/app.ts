import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { VERSION } from "../version.ts";
import { ASSETS } from "./assets.gen.ts";
import { layout } from "./pages/layout.ts";
import { setupNotice } from "./pages/setup.ts";
import { statusShell } from "./pages/status.ts";

/** What the web layer reads; server.ts supplies it. */
export interface WebContext {
  configFile: string | null;
  dataDir: string;
  gerritConfigured: boolean;
  startedAt: number;
  /** Live status of every pipeline (the scheduler's view); empty until something is configured. */
  status(): unknown;
}

export function createApp(ctx: WebContext): Hono {
  const app = new Hono();

  app.get("/healthz", (c) =>
    c.json({ ok: true, version: VERSION, uptime: Math.round((Date.now() - ctx.startedAt) / 1000) }),
  );

  app.get("/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    if (!asset) throw new HTTPException(404, { message: "no such asset" });
    return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=300" });
  });

  app.get("/api/status", (c) => c.json(ctx.status() as object));

  app.get("/", (c) =>
    c.html(
      layout(
        "Status",
        ctx.gerritConfigured ? statusShell() : setupNotice(ctx.configFile, ctx.dataDir),
      ),
    ),
  );

  app.notFound((c) => c.json({ error: `not found: ${c.req.path}` }, 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    console.error(`gatebox web: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return c.json({ error: "internal error (logged on the server)" }, 500);
  });
  return app;
}
