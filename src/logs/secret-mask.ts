/**
 * Hiding secret values in a build's console: every occurrence of a value becomes `***` before
 * anything is written. Pure: no I/O, unit-tested on its own (test/unit/logs/secret-mask.test.ts).
 *
 * Output arrives in chunks, and a value may be split across two of them (`printf s3c; sleep 1;
 * printf ret`). A MaskStream therefore holds back the end of what it was given when that end
 * could be the beginning of a value, and only that: text that cannot start a secret is passed on
 * at once, so live output is not delayed. What is held is never longer than the longest value
 * less one character, and `flush` releases it (masked) when the stream ends.
 */
export const MASK = "***";

export class SecretMask {
  /** Longest first, so where two values start at the same place the longer one is hidden whole. */
  readonly values: readonly string[];
  private readonly pattern: RegExp | null;
  readonly longest: number;

  constructor(values: Iterable<string>) {
    this.values = [...new Set([...values].filter((v) => v !== ""))].sort((a, b) => b.length - a.length);
    this.longest = this.values[0]?.length ?? 0;
    this.pattern = this.values.length === 0 ? null : new RegExp(this.values.map(escapeRegExp).join("|"), "g");
  }

  get empty(): boolean {
    return this.pattern === null;
  }

  /** A whole text (an info line, a message): every value replaced. */
  redact(text: string): string {
    if (this.pattern === null) return text;
    return text.replace(this.pattern, MASK);
  }

  /** A masker for one stream of chunks (one per output kind); `held` carries over another's held text. */
  stream(held = ""): MaskStream {
    return new MaskStream(this, held);
  }

  /** Position of the first place in `s`, at or after `from`, where a value may begin but does not fit: s.length when none. */
  partialFrom(s: string, from: number): number {
    for (let i = Math.max(from, s.length - this.longest + 1); i < s.length; i++) {
      for (const v of this.values) if (beginsWithTail(v, s, i)) return i;
    }
    return s.length;
  }

  /** The first occurrence of a value in `s` at or after `from` (longest value at that place), or null. */
  match(s: string, from: number): { index: number; end: number } | null {
    if (this.pattern === null) return null;
    this.pattern.lastIndex = from;
    const m = this.pattern.exec(s);
    return m ? { index: m.index, end: m.index + m[0].length } : null;
  }
}

export class MaskStream {
  constructor(
    private readonly mask: SecretMask,
    private pending = "",
  ) {}

  /** Text held back, waiting to see whether it begins a value (never shown as it is). */
  get held(): string {
    return this.pending;
  }

  /** Returns the part of `held + text` that can be shown now, masked; keeps the rest. */
  push(text: string): string {
    const s = this.pending + text;
    if (this.mask.empty) {
      this.pending = "";
      return s;
    }
    // Nothing from `holdFrom` on is decided yet: a value may start there and continue in the next chunk.
    let holdFrom = this.mask.partialFrom(s, 0);
    let out = "";
    let pos = 0;
    for (;;) {
      const m = this.mask.match(s, pos);
      // A value that starts before holdFrom is complete, and no longer value can start at its place
      // (it would have made that place a partial one), so it is final.
      if (m === null || m.index >= holdFrom) break;
      out += s.slice(pos, m.index) + MASK;
      pos = m.end;
      if (pos > holdFrom) holdFrom = this.mask.partialFrom(s, pos);
    }
    out += s.slice(pos, holdFrom);
    this.pending = s.slice(holdFrom);
    return out;
  }

  /** The end of the stream: what was held, masked. */
  flush(): string {
    const rest = this.mask.redact(this.pending);
    this.pending = "";
    return rest;
  }
}

/** Whether `s` from `i` to its end is a proper beginning of `v` (no slices: this runs per chunk). */
function beginsWithTail(v: string, s: string, i: number): boolean {
  const n = s.length - i;
  if (n >= v.length) return false;
  for (let k = 0; k < n; k++) if (s.charCodeAt(i + k) !== v.charCodeAt(k)) return false;
  return true;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
