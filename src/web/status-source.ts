import type { WebContext } from "./context.ts";
import { medianDurations } from "../store/queries.ts";
import { jobNames, type StatusJson, toStatusJson } from "./status-view.ts";

const MEDIAN_TTL_SECONDS = 30;

/**
 * /api/status's figures: the scheduler's view mapped by toStatusJson, with the median job
 * durations read from the store at most every 30 s (they move slowly; the status is read often).
 */
export class StatusSource {
  private medians = new Map<string, number>();
  private mediansAt = Number.NEGATIVE_INFINITY;
  private known = new Set<string>();

  constructor(private readonly ctx: WebContext) {}

  now(): number {
    return this.ctx.now ? this.ctx.now() : Date.now() / 1000;
  }

  current(): StatusJson {
    const view = this.ctx.status();
    const now = this.now();
    const names = jobNames(view);
    if (now - this.mediansAt > MEDIAN_TTL_SECONDS || names.some((n) => !this.known.has(n))) {
      this.medians = medianDurations(this.ctx.db, names);
      this.known = new Set(names);
      this.mediansAt = now;
    }
    return toStatusJson(view, this.medians, now);
  }
}
