import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { InputError } from "../errors.ts";
import { clipLine, listedError, type Problem, problemsError } from "./problems.ts";
import { budgetedHint, keysAt } from "./suggest.ts";
import { sizeText } from "./units.ts";
import { type Positions, toTree } from "./yaml-tree.ts";

export type PathKey = string | number;

/** A parsed YAML file that still knows where each value came from. */
export interface SourceDoc {
  file: string;
  value: unknown;
  /** Line (1-based) of the value at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PathKey[]): number;
}

/** YAML files (gatebox.yaml, scenarios) larger than this are refused before parsing. */
export const MAX_YAML_BYTES = 1024 * 1024;

/**
 * Parses YAML keeping positions. Syntax errors, and values that cannot be read safely (see
 * yaml-tree.ts: unknown or self-containing aliases, too deep, too many values), throw one
 * InputError naming file:line. Duplicate keys, `__proto__` and non-text keys are returned as
 * problems: the rest of the file can still be checked.
 */
export function readYaml(file: string, text: string): { doc: SourceDoc; problems: Problem[] } {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_YAML_BYTES) {
    const size = sizeText(bytes) === sizeText(MAX_YAML_BYTES) ? `${bytes} bytes` : sizeText(bytes);
    throw new InputError(`${file}: the file is ${size}; gatebox reads YAML files of at most ${sizeText(MAX_YAML_BYTES)}`);
  }
  const lineCounter = new LineCounter();
  let parsed: ReturnType<typeof parseDocument>;
  try {
    // uniqueKeys is checked in yaml-tree.ts: the library's check is quadratic in the keys of a map.
    parsed = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    throw new InputError(`${file}: cannot parse the YAML (${(err as Error)?.message ?? String(err)})`);
  }
  const line = (offset: number) => lineCounter.linePos(offset).line;
  if (parsed.errors.length > 0) {
    throw listedError(parsed.errors.map((e) => `${file}:${line(e.pos[0])}: ${e.message.split("\n")[0]}`));
  }
  const tree = toTree(parsed.contents, line);
  const problems = tree.problems.map((p) => ({ line: line(p.offset), text: clipLine(`${file}:${line(p.offset)}: ${formatPath(p.path)}: ${p.message}`) }));
  if (tree.problems.some((p) => p.fatal)) throw problemsError(problems);
  const root = parsed.contents?.range?.[0] ?? 0;
  return { doc: { file, value: tree.value, lineOf: (path) => line(offsetOf(tree.value, tree.positions, root, path)) }, problems };
}

/** Like readYaml, but any problem at all is thrown (for files checked by a schema alone). */
export function loadYaml(file: string, text: string): SourceDoc {
  const { doc, problems } = readYaml(file, text);
  if (problems.length > 0) throw problemsError(problems);
  return doc;
}

/** Walks as far as the path exists: a missing field is reported at its parent. Linear in the path. */
function offsetOf(value: unknown, positions: Positions, root: number, path: readonly PathKey[]): number {
  let node = value;
  let offset = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") break;
    const at = positions.get(node)?.get(String(key));
    if (at === undefined) break;
    offset = at;
    node = (node as Record<string, unknown>)[String(key)];
  }
  return offset;
}

/** `jobs[2].timeout` from ["jobs", 2, "timeout"]. */
export function formatPath(path: readonly PathKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? key : `.${key}`;
  }
  return out || "(top level)";
}

/** One problem at a place, with its line for sorting. */
export function locate(doc: SourceDoc, path: readonly PathKey[], message: string): Problem {
  const line = doc.lineOf(path);
  return { line, text: clipLine(`${doc.file}:${line}: ${formatPath(path)}: ${message}`) };
}

/** One problem at a place: `file:line: field: message`. */
export function problemAt(doc: SourceDoc, path: readonly PathKey[], message: string): string {
  return locate(doc, path, message).text;
}

/**
 * Every issue of a zod error as a Problem. Given `schema` (the one that failed), each unknown key
 * is a problem on its own line, with the closest allowed key ("did you mean poll-interval?").
 */
export function zodIssues(doc: SourceDoc, error: z.ZodError, schema?: unknown): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  const hint = budgetedHint();
  const add = (p: Problem) => {
    if (seen.has(p.text)) return;
    seen.add(p.text);
    out.push(p);
  };
  for (const issue of error.issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k !== "symbol");
    if (issue.code === "unrecognized_keys" && schema !== undefined) {
      const allowed = keysAt(schema, path);
      for (const key of issue.keys) add(locate(doc, [...path, key], `unknown key${hint(key, allowed)}`));
    } else {
      add(locate(doc, path, issue.message.replace(/^Invalid input: /, "")));
    }
  }
  return out;
}

/** Every issue of a zod error as `file:line: field: message`, in document order. */
export function zodProblems(doc: SourceDoc, error: z.ZodError, schema?: unknown): string[] {
  return zodIssues(doc, error, schema)
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.i - b.i)
    .map(({ p }) => p.text);
}
