import { isCollection, isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { InputError } from "../errors.ts";

export type PathKey = string | number;

/** A parsed YAML file that still knows where each value came from. */
export interface SourceDoc {
  file: string;
  value: unknown;
  /** Line (1-based) of the value at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PathKey[]): number;
}

/**
 * Parses YAML keeping positions. A syntax error throws an InputError naming file:line; duplicate
 * keys are errors too (YAML forbids them; silently taking the last one would lose config).
 */
export function loadYaml(file: string, text: string): SourceDoc {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const line = lineCounter.linePos(e.pos[0]).line;
      return `${file}:${line}: ${e.message.split("\n")[0]}`;
    });
    throw new InputError(problems.join("\n"), problems);
  }
  return {
    file,
    value: doc.toJS({ maxAliasCount: 1000 }),
    lineOf: (path) => lineOfPath(doc, lineCounter, path),
  };
}

function lineOfPath(doc: Document, counter: LineCounter, path: readonly PathKey[]): number {
  // Walk as far as the path exists; a missing field is reported at its parent.
  let node: unknown = doc.contents;
  let offset = (isNode(node) ? node.range?.[0] : undefined) ?? 0;
  for (const key of path) {
    if (!isCollection(node)) break;
    const pair = node.items.find((item) => {
      if (isNode(item)) return false;
      const k = (item as { key: unknown }).key;
      const kv = isNode(k) ? (k as { value?: unknown }).value : k;
      return String(kv) === String(key);
    }) as { key: unknown; value: unknown } | undefined;
    if (pair) {
      const keyNode = pair.key;
      if (isNode(keyNode) && keyNode.range) offset = keyNode.range[0];
      node = pair.value;
      if (isNode(node) && node.range && !isCollection(node)) offset = node.range[0];
      continue;
    }
    if (typeof key === "number") {
      const item = node.items[key];
      if (isNode(item) && item.range) {
        offset = item.range[0];
        node = item;
        continue;
      }
    }
    break;
  }
  return counter.linePos(offset).line;
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

/** One problem at a place: `file:line: field: message`. */
export function problemAt(doc: SourceDoc, path: readonly PathKey[], message: string): string {
  return `${doc.file}:${doc.lineOf(path)}: ${formatPath(path)}: ${message}`;
}

/** Every issue of a zod error as `file:line: field: message`, in document order. */
export function zodProblems(doc: SourceDoc, error: z.ZodError): string[] {
  const seen = new Set<string>();
  const out: { line: number; text: string }[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k !== "symbol");
    const line = doc.lineOf(path);
    const text = `${doc.file}:${line}: ${formatPath(path)}: ${issue.message.replace(/^Invalid input: /, "")}`;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ line, text });
  }
  return out.sort((a, b) => a.line - b.line).map((p) => p.text);
}
