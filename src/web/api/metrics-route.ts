import { Hono } from "hono";

/** What GET /metrics serves: server/server.ts passes gatebox's metrics (src/metrics/metrics.ts). */
export interface MetricsContext {
  metrics?: { text(): Promise<string>; readonly contentType: string };
}

/**
 * GET /metrics: Prometheus' text exposition format (docs/operations.md lists the metrics). Like
 * /healthz it needs no token: it says how busy the gate is, nothing about changes or secrets.
 */
export function metricsRoute(ctx: MetricsContext): Hono {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    if (!ctx.metrics) return c.json({ error: "metrics are not collected by this server" }, 404);
    const text = await ctx.metrics.text();
    return c.body(text, 200, { "content-type": ctx.metrics.contentType, "cache-control": "no-store" });
  });
  return app;
}
