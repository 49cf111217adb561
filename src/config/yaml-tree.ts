import { type Alias, isAlias, isMap, isScalar, isSeq, type Node, type YAMLMap, type YAMLSeq } from "yaml";
import type { PathKey } from "./yaml-source.ts";

/**
 * A parsed YAML document turned into plain values (what the schema checks), bounded whatever the
 * file holds: nesting deeper than MAX_DEPTH, aliases expanding past MAX_VALUES values (the
 * "billion laughs"), an alias that names a value it is inside of, or one whose anchor is missing
 * are problems, not exceptions or hangs. Duplicate keys are found here in linear time (the yaml
 * library's own check compares each key with every other one). Keys become own properties of
 * plain objects; `__proto__` is refused, so nothing can reach an object's prototype.
 * Each object also remembers where its keys and items were written, for `file:line` messages.
 */

/** gatebox.yaml is at most 6 levels deep; far more is a mistake or an attack. */
export const MAX_DEPTH = 64;
/** Values after expanding aliases: more than a file under the size limit holds without them. */
export const MAX_VALUES = 1_000_000;

/** Where each key (of an object) or item (of an array) was written, as a source offset. */
export type Positions = WeakMap<object, Map<string, number>>;

export interface TreeProblem {
  offset: number;
  path: PathKey[];
  message: string;
  /** The value is incomplete: checking it further would only add noise. */
  fatal: boolean;
}

export interface Tree {
  value: unknown;
  positions: Positions;
  problems: TreeProblem[];
}

interface Out {
  value: unknown;
  /** Levels of nesting below and including this value. */
  height: number;
}

export function toTree(root: Node | null, lineOf: (offset: number) => number): Tree {
  const c = new Converter(lineOf);
  const out = c.convert(root, [], 1, 0);
  return { value: out.value, positions: c.positions, problems: c.problems };
}

const LEAF: Out = { value: null, height: 1 };

class Converter {
  readonly positions: Positions = new WeakMap();
  readonly problems: TreeProblem[] = [];
  private readonly anchors = new Map<string, Node>();
  private readonly done = new Map<Node, Out & { size: number }>();
  private readonly open = new Set<Node>();
  private values = 0;
  private stopped = false;

  constructor(private readonly lineOf: (offset: number) => number) {}

  convert(node: Node | null, path: PathKey[], depth: number, at: number): Out {
    if (this.stopped) return LEAF;
    if (node === null) return this.count(LEAF);
    if (isAlias(node)) return this.alias(node, path, depth);
    const offset = node.range?.[0] ?? at;
    if (node.anchor) this.anchors.set(node.anchor, node);
    if (depth > MAX_DEPTH) {
      this.problem(offset, path, `nested deeper than ${MAX_DEPTH} levels`, true);
      return LEAF;
    }
    const before = this.values;
    this.open.add(node);
    let out: Out;
    if (isMap(node)) out = this.map(node as YAMLMap<Node | null, Node | null>, path, depth, offset);
    else if (isSeq(node)) out = this.seq(node as YAMLSeq<Node | null>, path, depth, offset);
    else out = { value: isScalar(node) ? this.scalar(node.value, path, offset) : null, height: 1 };
    this.open.delete(node);
    this.count(LEAF);
    if (node.anchor) this.done.set(node, { ...out, size: this.values - before });
    return out;
  }

  private scalar(value: unknown, path: PathKey[], offset: number): unknown {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
    if (typeof value === "bigint") return Number(value);
    this.problem(offset, path, "is not a plain value (text, a number, true or false)", false);
    return null;
  }

  private alias(node: Alias, path: PathKey[], depth: number): Out {
    const offset = node.range?.[0] ?? 0;
    const target = this.anchors.get(node.source);
    if (target === undefined) {
      this.problem(offset, path, `alias *${clip(node.source)} names no anchor: &${clip(node.source)} must come before it`, true);
      return LEAF;
    }
    if (this.open.has(target)) {
      this.problem(offset, path, `alias *${clip(node.source)} is inside the value it names`, true);
      return LEAF;
    }
    const done = this.done.get(target);
    if (done === undefined) return LEAF; // its anchor's value was refused already
    if (depth + done.height - 1 > MAX_DEPTH) {
      this.problem(offset, path, `nested deeper than ${MAX_DEPTH} levels (through alias *${clip(node.source)})`, true);
      return LEAF;
    }
    this.values += done.size;
    if (this.values > MAX_VALUES) {
      this.problem(offset, path, `the document expands to more than ${MAX_VALUES} values through its aliases`, true);
      this.stopped = true;
      return LEAF;
    }
    return done;
  }

  private map(node: YAMLMap<Node | null, Node | null>, path: PathKey[], depth: number, offset: number): Out {
    const obj: Record<string, unknown> = {};
    const where = new Map<string, number>();
    const keyAt = new Map<string, number>();
    this.positions.set(obj, where);
    let height = 0;
    for (const pair of node.items) {
      const keyNode = pair.key;
      const valueNode = pair.value;
      const keyOffset = keyNode?.range?.[0] ?? valueNode?.range?.[0] ?? offset;
      const key = this.key(keyNode, path, keyOffset);
      if (key === null) continue;
      const here = [...path, key];
      // A refused entry's value is still read: an anchor in it may be used further down.
      const out = this.convert(valueNode, here, depth + 1, keyOffset);
      if (key === "__proto__") {
        this.problem(keyOffset, here, "cannot be a key (it would change what every value inherits)", false);
        continue;
      }
      const first = keyAt.get(key);
      if (first !== undefined) {
        this.problem(keyOffset, here, `duplicate key (first on line ${this.lineOf(first)}): map keys must be unique`, false);
        continue;
      }
      keyAt.set(key, keyOffset);
      obj[key] = out.value;
      height = Math.max(height, out.height);
      const scalarValue = valueNode !== null && !isMap(valueNode) && !isSeq(valueNode);
      where.set(key, scalarValue ? (valueNode.range?.[0] ?? keyOffset) : keyOffset);
    }
    return { value: obj, height: height + 1 };
  }

  private key(node: Node | null, path: PathKey[], offset: number): string | null {
    if (node === null) return "";
    if (isScalar(node)) {
      const v = node.value;
      if (v === null) return "";
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
    }
    this.problem(offset, path, "a key must be plain text, not a list, a map or an alias", false);
    return null;
  }

  private seq(node: YAMLSeq<Node | null>, path: PathKey[], depth: number, offset: number): Out {
    const arr: unknown[] = [];
    const where = new Map<string, number>();
    this.positions.set(arr, where);
    let height = 0;
    node.items.forEach((item, i) => {
      const itemOffset = item?.range?.[0] ?? offset;
      const out = this.convert(item, [...path, i], depth + 1, itemOffset);
      arr.push(out.value);
      height = Math.max(height, out.height);
      where.set(String(i), itemOffset);
    });
    return { value: arr, height: height + 1 };
  }

  private count(out: Out): Out {
    this.values++;
    return out;
  }

  private problem(offset: number, path: PathKey[], message: string, fatal: boolean): void {
    this.problems.push({ offset, path, message, fatal });
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
