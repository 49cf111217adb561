/**
 * ANSI SGR (colour and style) codes → HTML spans, for consoles in the browser.
 *
 * One implementation serves both sides: the server uses it directly, and the browser gets the
 * same class as /assets/ansi.js (see ansiAsset), so the class must stay self-contained: no
 * imports, no module-level helpers, only members and globals.
 *
 * Contract: `push(chunk)` may be called with text split anywhere, even inside an escape sequence
 * (the incomplete tail waits for the next chunk); styles carry over between chunks. Output is
 * always well-formed HTML: every span opened in a call is closed in the same call, text escaped.
 * Escape sequences other than SGR (cursor moves, OSC titles) are dropped. Not thread-safe: one
 * renderer per console stream.
 */
export class AnsiRenderer {
  private fg: number | string | null = null;
  private bg: number | string | null = null;
  private bold = false;
  private dim = false;
  private italic = false;
  private underline = false;
  private pending = "";

  /** Converts a whole text at once with fresh state. */
  static toHtml(text: string): string {
    const r = new AnsiRenderer();
    return r.push(text) + r.end();
  }

  /** HTML for this chunk; an escape sequence cut at its end is held back for the next one. */
  push(chunk: string): string {
    const text = this.pending + chunk;
    this.pending = "";
    let out = "";
    let run = "";
    let i = 0;
    while (i < text.length) {
      const esc = text.indexOf("\x1b", i);
      const stop = esc < 0 ? text.length : esc;
      if (stop > i) run += text.slice(i, stop);
      if (esc < 0) break;
      const seq = AnsiRenderer.sequenceAt(text, esc);
      if (seq === null) {
        this.pending = text.slice(esc);
        break;
      }
      if (seq.sgr !== null) {
        out += this.wrap(run);
        run = "";
        this.apply(seq.sgr);
      }
      i = seq.end;
    }
    return out + this.wrap(run);
  }

  /** Flushes the end of the stream: an unfinished escape sequence is dropped. */
  end(): string {
    this.pending = "";
    return "";
  }

  /**
   * The sequence starting at `at` (an ESC): its end and, for SGR, its parameters; null when the
   * text ends before the sequence does.
   */
  private static sequenceAt(text: string, at: number): { end: number; sgr: number[] | null } | null {
    const kind = text[at + 1];
    if (kind === undefined) return null;
    if (kind === "[") {
      for (let j = at + 2; j < text.length; j++) {
        const code = text.charCodeAt(j);
        if (code >= 0x40 && code <= 0x7e) {
          if (text[j] !== "m") return { end: j + 1, sgr: null };
          const params = text.slice(at + 2, j);
          if (/[^0-9;:]/.test(params)) return { end: j + 1, sgr: null };
          return { end: j + 1, sgr: params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p))) };
        }
        if (j - at > 64) return { end: j + 1, sgr: null }; // runaway: not a real sequence
      }
      return null;
    }
    if (kind === "]") {
      // OSC: ends at BEL or ESC \ .
      for (let j = at + 2; j < text.length; j++) {
        if (text[j] === "\x07") return { end: j + 1, sgr: null };
        if (text[j] === "\x1b") {
          if (j + 1 >= text.length) return null;
          return { end: text[j + 1] === "\\" ? j + 2 : j + 1, sgr: null };
        }
      }
      return null;
    }
    // ESC + intermediates (0x20–0x2F, e.g. the charset choice "ESC ( B") + one final byte.
    let j = at + 1;
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
    if (j >= text.length) return null;
    return { end: j + 1, sgr: null };
  }

  private apply(codes: number[]): void {
    for (let k = 0; k < codes.length; k++) {
      const c = codes[k] ?? 0;
      if (c === 0) {
        this.fg = this.bg = null;
        this.bold = this.dim = this.italic = this.underline = false;
      } else if (c === 1) this.bold = true;
      else if (c === 2) this.dim = true;
      else if (c === 3) this.italic = true;
      else if (c === 4) this.underline = true;
      else if (c === 22) this.bold = this.dim = false;
      else if (c === 23) this.italic = false;
      else if (c === 24) this.underline = false;
      else if (c >= 30 && c <= 37) this.fg = c - 30;
      else if (c >= 90 && c <= 97) this.fg = c - 90 + 8;
      else if (c === 39) this.fg = null;
      else if (c >= 40 && c <= 47) this.bg = c - 40;
      else if (c >= 100 && c <= 107) this.bg = c - 100 + 8;
      else if (c === 49) this.bg = null;
      else if (c === 38 || c === 48) {
        let colour: number | string | null = null;
        if (codes[k + 1] === 5 && codes[k + 2] !== undefined) {
          colour = AnsiRenderer.colour256(codes[k + 2] ?? 0);
          k += 2;
        } else if (codes[k + 1] === 2 && codes[k + 4] !== undefined) {
          const hex = (n: number | undefined) => Math.max(0, Math.min(255, n ?? 0)).toString(16).padStart(2, "0");
          colour = `#${hex(codes[k + 2])}${hex(codes[k + 3])}${hex(codes[k + 4])}`;
          k += 4;
        } else break; // malformed: ignore the rest of this sequence
        if (c === 38) this.fg = colour;
        else this.bg = colour;
      }
    }
  }

  /** 0–15 stay palette indexes (themed by CSS); the cube and greys become exact colours. */
  private static colour256(n: number): number | string | null {
    if (n < 0 || n > 255) return null;
    if (n < 16) return n;
    const hex = (v: number) => v.toString(16).padStart(2, "0");
    if (n >= 232) {
      const g = 8 + (n - 232) * 10;
      return `#${hex(g)}${hex(g)}${hex(g)}`;
    }
    const levels = [0, 95, 135, 175, 215, 255];
    const m = n - 16;
    return `#${hex(levels[Math.floor(m / 36)] ?? 0)}${hex(levels[Math.floor(m / 6) % 6] ?? 0)}${hex(levels[m % 6] ?? 0)}`;
  }

  private wrap(raw: string): string {
    if (raw === "") return "";
    const text = raw
      .replace(/\r+\n/g, "\n")
      .replace(/\r/g, "")
      .replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
    const classes: string[] = [];
    const styles: string[] = [];
    if (typeof this.fg === "number") classes.push(`ansi-fg-${this.fg}`);
    else if (typeof this.fg === "string") styles.push(`color:${this.fg}`);
    if (typeof this.bg === "number") classes.push(`ansi-bg-${this.bg}`);
    else if (typeof this.bg === "string") styles.push(`background-color:${this.bg}`);
    if (this.bold) classes.push("ansi-bold");
    if (this.dim) classes.push("ansi-dim");
    if (this.italic) classes.push("ansi-italic");
    if (this.underline) classes.push("ansi-underline");
    if (classes.length === 0 && styles.length === 0) return text;
    const cls = classes.length ? ` class="${classes.join(" ")}"` : "";
    const sty = styles.length ? ` style="${styles.join(";")}"` : "";
    return `<span${cls}${sty}>${text}</span>`;
  }
}

/**
 * The browser's copy of AnsiRenderer, served as /assets/ansi.js: the class's own source, so the
 * server and the browser can never disagree.
 */
export function ansiAsset(): string {
  return `// Generated from src/web/ansi.ts at run time.\nwindow.AnsiRenderer = (${AnsiRenderer.toString()});\n`;
}
