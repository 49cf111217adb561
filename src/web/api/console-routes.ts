import { existsSync } from "node:fs";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { streamSSE } from "hono/streaming";
import { castEvent, castHeader } from "../../logs/asciicast.ts";
import { logText, renderConsoleFile } from "../console-stream.ts";
import type { WebContext } from "../context.ts";
import { getBuild } from "../../store/queries.ts";
import { buildId } from "./params.ts";

/**
 * GET /api/builds/:id/log (raw text), /api/builds/:id/cast (asciicast v2, as a download) and
 * /api/builds/:id/console (server-sent events: `console` [t, kind, data] per event, from the
 * start then live; `end` with the result, or "" when the console ended without one).
 */
export function consoleRoutes(ctx: WebContext): Hono {
  const api = new Hono();

  /** 404s for an unknown build; a known build may still have no console file. */
  const known = (raw: string) => {
    const id = buildId(raw);
    const found = getBuild(ctx.db, id);
    if (!found && !ctx.consoles.isLive(id) && !existsSync(ctx.consoles.pathOf(id))) {
      throw new HTTPException(404, { message: `no build ${id}` });
    }
    return { id, found };
  };

  api.get("/builds/:id/log", (c) => {
    const { id } = known(c.req.param("id"));
    const body = renderConsoleFile(ctx.consoles.pathOf(id), { event: logText });
    if (!body) throw new HTTPException(404, { message: `build ${id} has no console yet` });
    return c.body(body, 200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  });

  api.get("/builds/:id/cast", (c) => {
    const { id } = known(c.req.param("id"));
    const body = renderConsoleFile(ctx.consoles.pathOf(id), { header: (h) => castHeader(h), event: castEvent });
    if (!body) throw new HTTPException(404, { message: `build ${id} has no console yet` });
    return c.body(body, 200, {
      "content-type": "application/x-asciicast",
      "content-disposition": `attachment; filename="build-${id}.cast"`,
      "cache-control": "no-store",
    });
  });

  api.get("/builds/:id/console", (c) => {
    const { id, found } = known(c.req.param("id"));
    // A build that ended without ever writing a console (cancelled while queued) has nothing to wait for.
    const over = found && (found.build.state === "finished" || found.build.state === "cancelled");
    const nothing = over && !ctx.consoles.isLive(id) && !existsSync(ctx.consoles.pathOf(id));
    return streamSSE(c, async (stream) => {
      const ac = new AbortController();
      stream.onAbort(() => ac.abort());
      // A write to a client that went away may never settle: give up on it when the stream aborts,
      // so the loop below ends and the console watch closes its file (not the garbage collector).
      const aborted = new Promise<void>((resolve) => ac.signal.addEventListener("abort", () => resolve(), { once: true }));
      let result = "";
      if (!nothing) {
        for await (const ev of ctx.consoles.watch(id, ac.signal)) {
          if (ev.kind === "x") result = ev.data;
          else await Promise.race([stream.writeSSE({ event: "console", data: JSON.stringify([ev.t, ev.kind, ev.data]) }), aborted]);
          if (ac.signal.aborted) return;
        }
      }
      if (!ac.signal.aborted) await stream.writeSSE({ event: "end", data: result || (found?.build.result ?? "") });
    });
  });

  return api;
}
