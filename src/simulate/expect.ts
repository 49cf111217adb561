import type { Outcome } from "./outcome.ts";
import type { Expectation } from "./scenario.ts";

/**
 * Compares `expect` with the outcome; returns one readable line per difference (none: it holds).
 * Maps are compared exactly, except that a count of 0 is the same as an absent key (FORMAT.md).
 */
export function compareExpect(expect: Expectation, out: Outcome): string[] {
  const diff: string[] = [];
  if (expect.merged !== undefined && !sameList(expect.merged, out.merged)) {
    diff.push(`merged: expected ${list(expect.merged)}, got ${list(out.merged)}`);
  }
  if (expect.reported !== undefined) compareMap("reported", expect.reported, out.reported, false, diff);
  if (expect.builds !== undefined) compareMap("builds", expect.builds, out.builds, true, diff);
  if (expect.cancelled !== undefined) compareMap("cancelled", expect.cancelled, out.cancelled, true, diff);
  if (expect.finishedAt !== undefined && expect.finishedAt !== out.finishedAt) {
    diff.push(`finishedAt: expected ${expect.finishedAt}, got ${out.finishedAt}`);
  }
  if (expect.resets !== undefined && expect.resets !== out.resets) {
    diff.push(`resets: expected ${expect.resets}, got ${out.resets}`);
  }
  return diff;
}

function compareMap(
  name: string,
  want: Record<string, number | string>,
  got: Record<string, number | string>,
  zeroIsAbsent: boolean,
  diff: string[],
): void {
  const norm = (v: number | string | undefined) => (zeroIsAbsent && v === 0 ? undefined : v);
  const keys = [...new Set([...Object.keys(want), ...Object.keys(got)])];
  for (const key of keys) {
    const w = norm(want[key]);
    const g = norm(got[key]);
    if (w === g) continue;
    const show = (v: number | string | undefined) => (v === undefined ? (zeroIsAbsent ? "0" : "(absent)") : String(v));
    diff.push(`${name}.${key}: expected ${show(w)}, got ${show(g)}`);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function list(v: readonly string[]): string {
  return `[${v.join(", ")}]`;
}
