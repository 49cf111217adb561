import { Hono } from "hono";
import { html } from "hono/html";
import { jobHistory, listBuildsets, queueTimes } from "../../store/history-queries.ts";
import { jobRecord } from "../../store/flaky-queries.ts";
import { getBuild, listBuilds } from "../../store/queries.ts";
import { changeNumber, loadChange } from "../api/change-routes.ts";
import { buildId, historyFilter, oneOf, optionalInt, optionalString, RESULTS } from "../api/params.ts";
import { listArtifacts } from "../artifacts.ts";
import type { WebContext } from "../context.ts";
import type { StatusSource } from "../status-source.ts";
import { buildPage } from "./build.ts";
import { buildsPage } from "./builds.ts";
import { changePage } from "./change.ts";
import { historyPage } from "./history.ts";
import { layout } from "./layout.ts";
import { setupNotice } from "./setup.ts";
import { statusShell } from "./status.ts";

/** The server-rendered pages: `/` (status), `/builds`, `/builds/:id`, `/changes/:number`, `/history` (docs/web.md). */
export function pageRoutes(ctx: WebContext, status: StatusSource): Hono {
  const app = new Hono();
  /** Read per request: the banner shows what is wrong now. */
  const health = () => ctx.health?.() ?? null;

  app.get("/", (c) =>
    c.html(layout("Status", ctx.gerritConfigured ? statusShell() : setupNotice(ctx.configFile, ctx.dataDir), health())),
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
    return c.html(layout("Builds", buildsPage(f, total, builds), health()));
  });

  app.get("/builds/:id", (c) => {
    const id = buildId(c.req.param("id"));
    const found = getBuild(ctx.db, id);
    if (!found) return c.html(layout("No such build", notFound(`There is no build ${id}.`), health()), 404);
    return c.html(layout(`${found.build.job} ${found.build.id}`, buildPage(found, ctx.consoles.isLive(id), listArtifacts(ctx.dataDir, id), jobRecord(ctx.db, found.build.job)), health()));
  });

  app.get("/changes/:number", async (c) => {
    const number = changeNumber(c.req.param("number"));
    const found = await loadChange(ctx, status, number);
    if (!found) return c.html(layout("No such change", notFound(`Neither gatebox's store nor Gerrit knows change ${number}.`), health()), 404);
    return c.html(layout(`Change ${number}`, changePage(found), health()));
  });

  app.get("/history", (c) => {
    const f = historyFilter(c.req.query(), status.now());
    return c.html(
      layout(
        "History",
        historyPage(f, jobHistory(ctx.db, f), queueTimes(ctx.db, { ...f, limit: 200 }), listBuildsets(ctx.db, { ...f, limit: 50, offset: 0 })),
        health(),
      ),
    );
  });

  return app;
}

function notFound(message: string) {
  return html`<section class="card"><p>${message}</p></section>`;
}
