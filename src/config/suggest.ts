import type { PathKey } from "./yaml-source.ts";

/**
 * "Did you mean …?" for a misspelt key or name: the closest of the words allowed at that place,
 * by edit distance (a swap of two neighbours counts as one edit), `_` and `-` and case alike.
 */

/** Words longer than this get no suggestion: nobody misspells a 200-character key. */
const MAX_WORD = 64;

export function didYouMean(word: string, candidates: Iterable<string>): string | null {
  return closest(word, normalized(candidates));
}

/** Candidates with their normalized spelling, computed once per list. */
type Normalized = readonly (readonly [string, string])[];

function normalized(candidates: Iterable<string>): Normalized {
  const out: (readonly [string, string])[] = [];
  for (const c of candidates) if (c.length <= MAX_WORD) out.push([c, normal(c)]);
  return out;
}

function closest(word: string, candidates: Normalized): string | null {
  if (word.length > MAX_WORD) return null;
  const norm = normal(word);
  const limit = norm.length <= 4 ? 1 : norm.length <= 8 ? 2 : 3;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const [c, n] of candidates) {
    if (c === word || Math.abs(n.length - norm.length) >= bestDistance) continue;
    const d = distance(norm, n, bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean X?`, or "" when nothing is close. */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const best = didYouMean(word, candidates);
  return best === null ? "" : `; did you mean ${best}?`;
}

/** Comparisons one config load may spend on suggestions: thousands of unknown names among thousands cost no more. */
export const SUGGESTION_BUDGET = 200_000;

export type Hint = (word: string, candidates: ReadonlySet<string> | readonly string[]) => string;

/**
 * `suggestion` that stops suggesting once it has compared SUGGESTION_BUDGET words; the same
 * list (by identity) is normalized once.
 */
export function budgetedHint(budget = SUGGESTION_BUDGET): Hint {
  let left = budget;
  const cache = new WeakMap<object, Normalized>();
  return (word, candidates) => {
    const n = "size" in candidates ? candidates.size : candidates.length;
    if (n > left) return "";
    left -= n;
    let list = cache.get(candidates);
    if (list === undefined) {
      list = normalized(candidates);
      cache.set(candidates, list);
    }
    const best = closest(word, list);
    return best === null ? "" : `; did you mean ${best}?`;
  };
}

function normal(s: string): string {
  return s.toLowerCase().replaceAll("_", "-");
}

/** Optimal string alignment distance; anything at or above `cap` is reported as `cap`. */
export function distance(a: string, b: string, cap = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  const w = b.length + 1;
  let prev2 = new Int32Array(w);
  let prev = new Int32Array(w);
  let row = new Int32Array(w);
  for (let j = 0; j < w; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let rowMin = i;
    for (let j = 1; j < w; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (prev2[j - 2] as number) + 1);
      row[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin >= cap) return cap;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return Math.min(prev[b.length] as number, cap);
}

/** A zod schema seen through its internal definition: just enough to find the keys at a place. */
interface Schema {
  _zod: { def: Def };
}
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
}

/** The object, array and record schemas `s` may stand for, through defaults, optionals, pipes and unions. */
function containers(s: Schema, depth = 0): Schema[] {
  const def = s._zod.def;
  if (depth > 20) return [];
  if (def.type === "object" || def.type === "array" || def.type === "record") return [s];
  if (def.type === "pipe" && def.in) return containers(def.in, depth + 1);
  if (def.type === "union" && def.options) return def.options.flatMap((o) => containers(o, depth + 1));
  if (def.innerType) return containers(def.innerType, depth + 1);
  return [];
}

function child(s: Schema, key: PathKey): Schema[] {
  const def = s._zod.def;
  if (def.type === "object") {
    const field = def.shape && Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
    const next = field ?? (def.catchall && def.catchall._zod.def.type !== "never" ? def.catchall : undefined);
    return next ? [next] : [];
  }
  if (def.type === "array" && typeof key === "number" && def.element) return [def.element];
  if (def.type === "record" && def.valueType) return [def.valueType];
  return [];
}

/** The keys an object at `path` of `schema` may have (empty when the place is not an object). */
export function keysAt(schema: unknown, path: readonly PathKey[]): string[] {
  let current = containers(schema as Schema);
  for (const key of path) current = current.flatMap((s) => child(s, key)).flatMap((s) => containers(s));
  const keys = new Set<string>();
  for (const s of current) for (const k of Object.keys(s._zod.def.shape ?? {})) keys.add(k);
  return [...keys];
}
