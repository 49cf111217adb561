import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { InputError } from "../../errors.ts";
import { changeHistory } from "../../store/change-queries.ts";
import type { SourceAnswer } from "../change-reasons.ts";
import { type ChangeJson, changeJson } from "../change-view.ts";
import type { WebContext } from "../context.ts";
import type { ChangeFacts } from "../change-view.ts";
import type { StatusSource } from "../status-source.ts";
import { bad } from "./params.ts";

/**
 * How long a page waits for the source. The client retries a Gerrit that is down for several
 * seconds more; the page says Gerrit did not answer rather than keep a person waiting.
 */
export const SOURCE_WAIT_MS = 4000;

/** `GET /api/changes/:number`: the change, every pipeline it is or was in, and why it is in none (docs/web.md). */
export function changeRoutes(ctx: WebContext, status: StatusSource): Hono {
  const api = new Hono();
  api.get("/changes/:number", async (c) => {
    const number = changeNumber(c.req.param("number"));
    const found = await loadChange(ctx, status, number);
    if (!found) throw new HTTPException(404, { message: `no change ${number} in the store or in Gerrit` });
    return c.json(found);
  });
  return api;
}

/** A change number from the path: digits only, at least 1; anything else is a 400 naming it. */
export function changeNumber(raw: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) bad("number", `not a change number: '${raw.slice(0, 40)}'`);
  return Number(raw);
}

/** What the API answers and the page draws; null when neither the store nor the source knows the change. */
export async function loadChange(ctx: WebContext, status: StatusSource, number: number): Promise<ChangeJson | null> {
  const facts = ctx.changes;
  const source = facts ? await askSource(facts, number, ctx.log) : null;
  const history = changeHistory(ctx.db, number);
  const view = changeJson({
    number,
    history,
    status: status.current(),
    source,
    waiting: facts?.waiting() ?? [],
    // Without the gate's facts nothing is known of the config: no reason is drawn from it.
    pipelinesOf: (project, branch) => (facts ? facts.pipelines(project, branch) : []),
  });
  const unknownEverywhere = history === null && !view.inQueue && (source === null || (!source.ok && source.unknown));
  return unknownEverywhere ? null : view;
}

/**
 * The source's state of the change, or why it could not say: an unknown change (its InputError)
 * is the asker's; anything else (down, slow, refusing) is ours, logged once here, never a 500.
 */
async function askSource(facts: ChangeFacts, number: number, log?: (line: string) => void): Promise<SourceAnswer> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slow = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${SOURCE_WAIT_MS / 1000} s`)), SOURCE_WAIT_MS);
  });
  try {
    return { ok: true, state: await Promise.race([facts.state(number), slow]) };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, unknown: true, message: err.message };
    const message = (err as Error).message ?? String(err);
    (log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`gatebox web: change ${number}: Gerrit could not be asked: ${message}`);
    return { ok: false, unknown: false, message };
  } finally {
    clearTimeout(timer);
  }
}
