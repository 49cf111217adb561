import type { Hono } from "hono";
import { createApp } from "../../../src/web/app.ts";
import type { WebContext } from "../../../src/web/context.ts";
import { webHosts } from "../../../src/web/hosts.ts";

/**
 * Serves the web app on a loopback port the way server.ts does: the Host allow-list is built from
 * the port actually bound. `withWebUrl`: also give the app that address as `web.url`.
 */
export function serveApp(ctx: WebContext, withWebUrl = false): ReturnType<typeof Bun.serve> {
  let app: Hono | null = null;
  const srv = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req, s) => app!.fetch(req, s), idleTimeout: 60 });
  const port = srv.port as number;
  const url = `http://127.0.0.1:${port}`;
  app = createApp({ ...ctx, ...(withWebUrl ? { webUrl: url } : {}), allowedHosts: webHosts({ url, listen: { host: "127.0.0.1", port } }) });
  return srv;
}
