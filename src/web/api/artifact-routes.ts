import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { buildExists } from "../../store/queries.ts";
import { artifactHeaders, findArtifact, listArtifacts, parseArtifactPath } from "../artifacts.ts";
import type { WebContext } from "../context.ts";
import { bad, buildId } from "./params.ts";

/**
 * GET /api/builds/:id/artifacts (JSON `[{path, size, url}]`, sorted) and
 * GET /builds/:id/artifacts/<path> (one file). A job wrote these files, so they are served as
 * data, never as a page of the UI: markup as text, unknown types as downloads, and every answer
 * with `Content-Security-Policy: sandbox; default-src 'none'; frame-ancestors 'none'` (no
 * script, no same-origin access, nothing loaded even if a browser renders it, never framed) and
 * `X-Content-Type-Options: nosniff`.
 */
export function artifactRoutes(ctx: WebContext): Hono {
  const app = new Hono();

  const known = (raw: string): string => {
    const id = buildId(raw);
    if (!buildExists(ctx.db, id)) throw new HTTPException(404, { message: `no build ${id}` });
    return id;
  };

  app.use("/api/builds/:id/artifacts", guard);
  app.use("/builds/:id/artifacts/*", guard);

  app.get("/api/builds/:id/artifacts", (c) => {
    const id = known(c.req.param("id"));
    return c.json(listArtifacts(ctx.dataDir, id), 200, { "cache-control": "no-store" });
  });

  app.get("/builds/:id/artifacts/*", (c) => {
    const id = known(c.req.param("id"));
    // The raw path, split before decoding, so an encoded slash (%2F) cannot make a segment.
    const tail = new URL(c.req.url).pathname.split("/").slice(4).join("/");
    const segments = parseArtifactPath(tail);
    if (typeof segments === "string") bad("path", segments);
    const found = findArtifact(ctx.dataDir, id, segments);
    if (found === null) throw new HTTPException(404, { message: `build ${id} has no artifact ${segments.join("/")}` });
    const headers = { ...artifactHeaders(segments.at(-1)!), "content-length": String(found.size), "cache-control": "no-store" };
    return new Response(Bun.file(found.file), { status: 200, headers });
  });

  return app;
}

/** The artifacts' policy, stricter than the pages' (src/web/http.ts keeps it). */
export const ARTIFACT_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'";

/** Every artifact answer, errors included, is sandboxed and never sniffed. */
const guard: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set("content-security-policy", ARTIFACT_CSP);
  c.res.headers.set("x-content-type-options", "nosniff");
};
