import { InputError } from "../errors.ts";

/**
 * Problems of a config file, each one line `file:line: field: message`. However many there are,
 * the error lists the first MAX_LISTED (in file order) and says how many more: a file with 30,000
 * mistakes gets a readable answer, in time linear in its size.
 */

export const MAX_LISTED = 200;
/** One problem line at most this long: a value quoted from the file may be huge. */
const MAX_LINE = 500;

export interface Problem {
  line: number;
  text: string;
}

/** The error for a list of problems, listed in file order (stable: same line keeps its order). */
export class ConfigProblems extends InputError {
  constructor(
    /** How many problems were found, listed or not. */
    readonly total: number,
    listed: readonly string[],
    /** Checking stopped early: there are more than `total`. */
    readonly cut = false,
  ) {
    super(listed.join("\n"), listed);
  }
}

export function clipLine(text: string): string {
  return text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text;
}

/**
 * The InputError for `problems` (at least one): sorted by line, the first MAX_LISTED, then "and N
 * more". `cut`: the checks stopped early, so there are more than counted.
 */
export function problemsError(problems: readonly Problem[], cut = false): ConfigProblems {
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.i - b.i)
    .map(({ p }) => p.text);
  return listedError(sorted, cut);
}

/** The InputError for problem lines already in order. */
export function listedError(lines: readonly string[], cut = false): ConfigProblems {
  const listed = lines.slice(0, MAX_LISTED).map(clipLine);
  const more = lines.length - listed.length;
  if (more > 0 || cut) {
    const count = cut ? `more than ${more}` : String(more);
    listed.push(`… and ${count} more problem${more === 1 && !cut ? "" : "s"} (the first ${listed.length} are listed)`);
  }
  return new ConfigProblems(lines.length, listed, cut);
}

/** How many problems an InputError stands for: `1 problem`, `30000 problems`, `more than 100000 problems`. */
export function problemCount(err: InputError): string {
  const n = err instanceof ConfigProblems ? err.total : err.problems.length;
  const more = err instanceof ConfigProblems && err.cut ? "more than " : "";
  return `${more}${n} problem${n === 1 && !more ? "" : "s"}`;
}

/** At most MAX_LISTED lines, then how many more. */
export function capped(lines: readonly string[]): string[] {
  if (lines.length <= MAX_LISTED) return [...lines];
  return [...lines.slice(0, MAX_LISTED), `… and ${lines.length - MAX_LISTED} more`];
}

/** Names listed in a message: a few, then how many more. */
export function listNames(names: Iterable<string>, none = "none defined"): string {
  const all = [...names];
  if (all.length === 0) return none;
  const shown = all.slice(0, 10).join(", ");
  return all.length > 10 ? `${shown}, … (${all.length} in all)` : shown;
}
