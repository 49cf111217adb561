import type { WindowParams } from "./types.ts";

/** FORMAT.md "Window": each reported success grows the window; 0 (unlimited) stays unlimited. */
export function grow(w: number, p: WindowParams): number {
  if (w === 0) return 0;
  const next = p.increaseType === "linear" ? w + p.increaseFactor : w * p.increaseFactor;
  return p.ceiling === null ? next : Math.min(p.ceiling, next);
}

/** A failure of the item's own making shrinks the window, never below the floor. */
export function shrink(w: number, p: WindowParams): number {
  if (w === 0) return 0;
  const next = p.decreaseType === "linear" ? w - p.decreaseFactor : Math.floor(w / p.decreaseFactor);
  return Math.max(p.floor, next);
}
