import type { WindowParams } from "./types.ts";

/** FORMAT.md "Window": each reported success grows the window; 0 (unlimited) stays unlimited. */
export function grow(w: number, p: WindowParams): number {
  if (w === 0) return 0;
  const next = p.increaseType === "linear" ? w + p.increaseFactor : w * p.increaseFactor;
  return p.ceiling == null ? next : Math.min(p.ceiling, next);
}

/** A failure of the item's own making shrinks the window, never below the floor. */
export function shrink(w: number, p: WindowParams): number {
  if (w === 0) return 0;
  const next = p.decreaseType === "linear" ? w - p.decreaseFactor : Math.floor(w / p.decreaseFactor);
  return Math.max(p.floor, next);
}

/**
 * Issue 16: with finite capacity and no `ceiling` given, a `zuul` gate's window stops growing at
 * max(20, 2 × capacity). Past that many items nothing more can run at once (each item needs at
 * least one executor; the spare half is for items whose builds finished while the head's still run), and
 * without it the window grows with every merge while arrivals outrun merges, so each event walked
 * thousands of items. Unlimited capacity, or `ceiling: null` given: no ceiling (Zuul's behaviour).
 */
export const CEILING_MIN = 20;
export const CEILING_PER_EXECUTOR = 2;

export function defaultCeiling(capacity: number): number | null {
  return Number.isFinite(capacity) ? Math.max(CEILING_MIN, CEILING_PER_EXECUTOR * Math.ceil(capacity)) : null;
}
