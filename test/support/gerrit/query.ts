/**
 * The subset of Gerrit's query language the simulator understands: AND by juxtaposition (or `AND`),
 * `OR`, parentheses, negation with `-` or `NOT`, and the operators REST-SUBSET.md lists. Anything else
 * is a 400, as on a real server that does not know an operator.
 */
import { type SimAccount, type SimChange, currentVotes, parseTimestamp } from "./model.ts";

export class QueryError extends Error {}

export type Predicate = (change: SimChange) => boolean;

interface Ctx {
  accounts: Map<number, SimAccount>;
  /** The server's clock (epoch ms), for `age:`. */
  now: number;
}

type Token = { kind: "(" } | { kind: ")" } | { kind: "-" } | { kind: "word"; text: string };

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ kind: c });
      i++;
    } else if (c === "-" && (out.length === 0 || out[out.length - 1]!.kind !== "word" || /\s|\(/.test(q[i - 1] ?? " "))) {
      out.push({ kind: "-" });
      i++;
    } else {
      let text = "";
      while (i < q.length && !/[\s()]/.test(q[i]!)) {
        if (q[i] === '"') {
          const end = q.indexOf('"', i + 1);
          if (end < 0) throw new QueryError(`line 1:${i} mismatched character '<EOF>' expecting '"'`);
          text += q.slice(i + 1, end);
          i = end + 1;
        } else {
          text += q[i];
          i++;
        }
      }
      out.push({ kind: "word", text });
    }
  }
  return out;
}

export function parseQuery(q: string, ctx: Ctx): Predicate {
  const tokens = tokenize(q);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, w: string) => t?.kind === "word" && t.text === w;

  function orExpr(): Predicate {
    const parts = [andExpr()];
    while (isWord(peek(), "OR")) {
      pos++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0]! : (c) => parts.some((p) => p(c));
  }
  function andExpr(): Predicate {
    const parts: Predicate[] = [];
    for (;;) {
      const t = peek();
      if (t === undefined || t.kind === ")" || isWord(t, "OR")) break;
      if (isWord(t, "AND")) {
        pos++;
        continue;
      }
      parts.push(unary());
    }
    if (parts.length === 0) throw new QueryError("empty expression");
    return (c) => parts.every((p) => p(c));
  }
  function unary(): Predicate {
    const t = tokens[pos++];
    if (t === undefined) throw new QueryError("unexpected end of query");
    if (t.kind === "-" || (t.kind === "word" && t.text === "NOT")) {
      const inner = unary();
      return (c) => !inner(c);
    }
    if (t.kind === "(") {
      const inner = orExpr();
      if (tokens[pos++]?.kind !== ")") throw new QueryError("missing ')'");
      return inner;
    }
    if (t.kind === ")") throw new QueryError("unexpected ')'");
    return term(t.text, ctx);
  }

  const pred = orExpr();
  if (pos < tokens.length) throw new QueryError(`unexpected token at position ${pos}`);
  return pred;
}

function term(text: string, ctx: Ctx): Predicate {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new QueryError(`Unsupported query: ${text}`);
  const key = text.slice(0, colon);
  const value = text.slice(colon + 1);
  switch (key) {
    case "status":
    case "is":
      return statusOrIs(key, value);
    case "project":
      return (c) => c.project === value;
    case "branch":
      return (c) => c.branch === value.replace(/^refs\/heads\//, "");
    case "topic":
      return (c) => c.topic === value;
    case "change":
      if (/^\d+$/.test(value)) return (c) => c.number === Number(value);
      return (c) => c.changeId === value;
    case "after":
    case "since":
    case "before":
    case "until": {
      const t = parseTimestamp(value);
      if (t === undefined) throw new QueryError(`Invalid timestamp: ${value}`);
      const sec = Math.floor(t / 1000);
      // Gerrit compares whole seconds and both bounds are inclusive.
      if (key === "after" || key === "since") return (c) => Math.floor(c.updated / 1000) >= sec;
      return (c) => Math.floor(c.updated / 1000) <= sec;
    }
    case "age": {
      // age:10m matches changes NOT updated within 10 minutes; `-age:10m` those that were.
      const m = /^(\d+)(s|sec|m|min|h|hour|d|day|w|week)s?$/.exec(value);
      if (!m) throw new QueryError(`Invalid age: ${value}`);
      const unit: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600, hour: 3600, d: 86400, day: 86400, w: 604800, week: 604800 };
      const limit = ctx.now - Number(m[1]) * unit[m[2]!]! * 1000;
      return (c) => c.updated <= limit;
    }
    case "owner":
      return (c) => {
        const a = ctx.accounts.get(c.owner);
        return String(c.owner) === value || a?.username === value || a?.email === value;
      };
    case "label":
      return labelTerm(value);
    default:
      throw new QueryError(`Unsupported operator ${key}:${value}`);
  }
}

function statusOrIs(key: string, value: string): Predicate {
  switch (value) {
    case "open":
    case "new":
    case "pending":
      return (c) => c.status === "NEW";
    case "merged":
      return (c) => c.status === "MERGED";
    case "abandoned":
      return (c) => c.status === "ABANDONED";
    case "closed":
      return (c) => c.status !== "NEW";
    case "wip":
      if (key === "is") return (c) => c.wip;
      break;
    case "mergeable":
      throw new QueryError("'is:mergeable' operator is not supported by change index version");
  }
  throw new QueryError(`Unrecognized value: ${value}`);
}

function labelTerm(value: string): Predicate {
  const m = /^([A-Za-z0-9-]+)(>=|<=|=|>|<)([+-]?\d+)$/.exec(value);
  if (!m) throw new QueryError(`Invalid label expression: ${value}`);
  const [, label, op, numText] = m;
  const n = Number(numText);
  const test = (v: number) =>
    op === ">=" ? v >= n : op === "<=" ? v <= n : op === ">" ? v > n : op === "<" ? v < n : v === n;
  return (c) => {
    const votes = currentVotes(c).filter((v) => v.label === label && v.value !== 0);
    if (votes.length === 0) return test(0);
    return votes.some((v) => test(v.value));
  };
}
