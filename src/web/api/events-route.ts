import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { WebContext } from "../context.ts";
import type { StatusSource } from "../status-source.ts";

/** Status changes closer together than this are sent as one (bursts of scheduler events). */
const COALESCE_MS = 200;
const KEEPALIVE_MS = 15_000;

/**
 * GET /api/events: server-sent events, `status` with the whole /api/status JSON at once and then
 * after every change (coalesced), and a comment every 15 s so proxies keep the stream open.
 */
export function eventsRoute(ctx: WebContext, status: StatusSource): Hono {
  const api = new Hono();
  api.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      let dirty = true;
      let wake: (() => void) | null = null;
      const poke = () => {
        dirty = true;
        wake?.();
      };
      const unsubscribe = ctx.subscribe(poke);
      const keepalive = setInterval(() => {
        stream.write(": keepalive\n\n").catch(() => {});
      }, KEEPALIVE_MS);
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
      try {
        while (!stream.aborted && !stream.closed) {
          if (dirty) {
            dirty = false;
            await stream.writeSSE({ event: "status", data: JSON.stringify(status.current()) });
            await Promise.race([stream.sleep(COALESCE_MS), closed]);
            continue;
          }
          await Promise.race([new Promise<void>((r) => (wake = r)), closed]);
          wake = null;
        }
      } finally {
        clearInterval(keepalive);
        unsubscribe();
      }
    }),
  );
  return api;
}
