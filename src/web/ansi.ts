/**
 * ANSI SGR (colour and style) codes → HTML spans, for consoles in the browser.
 *
 * One implementation serves both sides: the server uses it directly, and the browser gets the
 * same class as /assets/ansi.js (see ansiAsset), so the class must stay self-contained: no
 * imports, no module-level helpers, only members and globals.
 *
 * Contract: `push(chunk)` may be called with text split anywhere, even inside an escape sequence
 * (the unfinished sequence is held for the next chunk); styles carry over between chunks. Output
 * is always well-formed HTML: spans never nest, every span opened in a call is closed in the same
 * call (web/build.js cuts the output after a line feed on that basis), text is escaped, and there
 * is no `style` attribute (the pages' CSP forbids them): the 16 palette colours are classes
 * (`ansi-fg-1`), the 256-colour cube, greys and true colours `data-fg`/`data-bg` attributes
 * (`#rrggbb`) that the page applies (web/build.js).
 *
 * The rules mirror src/terminal.ts: escape sequences other than SGR (cursor moves, OSC titles and
 * hyperlinks, DCS…) are dropped, and so are control characters but newline and tab. A sequence
 * that runs past MAX_SEQUENCE characters is not one: its introducer is dropped and what followed
 * is shown as text; so is an OSC cut by a line feed, or by the end of the stream. Every character
 * is looked at once, so rendering is linear in the input however it is split. Not thread-safe:
 * one renderer per console stream.
 */
export class AnsiRenderer {
  /** The longest escape sequence waited for, as in src/terminal.ts. */
  static MAX_SEQUENCE = 4096;
  private static palette: string[] = [];

  private fg: number | string | null = null;
  private bg: number | string | null = null;
  private bold = false;
  private dim = false;
  private italic = false;
  private underline = false;
  /** text; esc: after ESC; csi: ESC [; str: OSC, DCS, SOS, PM, APC; str-esc: ESC inside one; int: ESC + intermediates. */
  private mode: "text" | "esc" | "csi" | "str" | "str-esc" | "int" = "text";
  /** The held sequence's introducer and what followed it so far (never more than MAX_SEQUENCE characters). */
  private intro = "";
  private body: string[] = [];
  private bodyLength = 0;
  /** HTML of this call so far, and the text after it not yet wrapped (in the current style). */
  private out = "";
  private run = "";
  /** openTag() of the current style, kept from one SGR to the next. */
  private tag = "";

  /** Converts a whole text at once with fresh state. */
  static toHtml(text: string): string {
    const r = new AnsiRenderer();
    return r.push(text) + r.end();
  }

  /** HTML for this chunk; an escape sequence cut at its end is held back for the next one. */
  push(chunk: string): string {
    let i = 0;
    while (i < chunk.length) {
      if (this.mode === "text") i = this.text(chunk, i);
      else if (this.mode === "esc") i = this.escape(chunk, i);
      else if (this.mode === "csi") i = this.csi(chunk, i);
      else if (this.mode === "str") i = this.string(chunk, i);
      else if (this.mode === "str-esc") i = this.stringEscape(chunk, i);
      else i = this.intermediates(chunk, i);
    }
    return this.flush();
  }

  /** The end of the stream: the text of an unfinished OSC (or DCS…) is shown; a cut CSI or ESC is dropped. */
  end(): string {
    if (this.mode === "str" || this.mode === "str-esc") this.giveUp();
    this.drop();
    return this.flush();
  }

  private text(chunk: string, i: number): number {
    const esc = chunk.indexOf("\x1b", i);
    if (esc < 0) {
      this.run += chunk.slice(i);
      return chunk.length;
    }
    this.run += chunk.slice(i, esc);
    this.mode = "esc";
    return esc + 1;
  }

  /** The character after an ESC says what kind of sequence it starts. */
  private escape(chunk: string, i: number): number {
    const ch = chunk[i] ?? "";
    const code = chunk.charCodeAt(i);
    if (ch === "[" || ch === "]" || ch === "P" || ch === "X" || ch === "^" || ch === "_") {
      this.mode = ch === "[" ? "csi" : "str";
      this.intro = ch;
      return i + 1;
    }
    if (code >= 0x20 && code <= 0x2f) {
      this.mode = "int";
      return i;
    }
    // ESC and one final byte (ESC 7, ESC =) is dropped; any other character ends a lone ESC and
    // is read again as text (another ESC starts a new sequence).
    this.mode = "text";
    return code >= 0x30 && code <= 0x7e ? i + 1 : i;
  }

  /** CSI: parameter and intermediate bytes (0x20–0x3F), then a final byte (0x40–0x7E). */
  private csi(chunk: string, i: number): number {
    let j = i;
    while (j < chunk.length && chunk.charCodeAt(j) >= 0x20 && chunk.charCodeAt(j) <= 0x3f) j++;
    if (!this.hold(chunk, i, j)) return j;
    if (j >= chunk.length) return j;
    const code = chunk.charCodeAt(j);
    if (code < 0x40 || code > 0x7e) {
      this.drop(); // malformed: what came so far is dropped, the character read again
      return j;
    }
    const codes = code === 0x6d ? AnsiRenderer.sgrCodes(this.body.length === 1 ? (this.body[0] ?? "") : this.body.join("")) : null;
    this.drop();
    if (codes !== null) {
      this.out += this.wrap(this.run);
      this.run = "";
      this.apply(codes);
      this.tag = this.openTag();
    }
    return j + 1;
  }

  /** SGR parameters (`1;38;5;196`, colons as in `38:2:…` too; empty means 0); null when not all digits. */
  private static sgrCodes(params: string): number[] | null {
    const codes: number[] = [];
    let n = 0;
    for (let k = 0; k < params.length; k++) {
      const c = params.charCodeAt(k);
      if (c >= 0x30 && c <= 0x39) n = n * 10 + c - 0x30;
      else if (c === 0x3b || c === 0x3a) {
        codes.push(n);
        n = 0;
      } else return null;
    }
    codes.push(n);
    return codes;
  }

  /** OSC (ends at BEL or ESC \, and is cut by a line feed), DCS, SOS, PM, APC (end at ESC \). */
  private string(chunk: string, i: number): number {
    const osc = this.intro === "]";
    let j = i;
    for (; j < chunk.length; j++) {
      const code = chunk.charCodeAt(j);
      if (code === 0x1b || (osc && (code === 0x07 || code === 0x0a))) break;
    }
    if (!this.hold(chunk, i, j)) return j;
    if (j >= chunk.length) return j;
    const code = chunk.charCodeAt(j);
    if (code === 0x0a) this.giveUp(); // no real OSC holds a line feed: show what followed it
    else if (code === 0x07) this.drop();
    else this.mode = "str-esc";
    return code === 0x0a ? j : j + 1;
  }

  /** ESC \ ends the string; any other ESC ends it too and starts a sequence of its own. */
  private stringEscape(chunk: string, i: number): number {
    this.drop();
    if (chunk[i] === "\\") return i + 1;
    this.mode = "esc";
    return i;
  }

  /** ESC, intermediates (0x20–0x2F, e.g. the charset choice in ESC ( B), one final byte. */
  private intermediates(chunk: string, i: number): number {
    let j = i;
    while (j < chunk.length && chunk.charCodeAt(j) >= 0x20 && chunk.charCodeAt(j) <= 0x2f) j++;
    if (!this.hold(chunk, i, j)) return j;
    if (j >= chunk.length) return j;
    const code = chunk.charCodeAt(j);
    this.drop();
    return code >= 0x30 && code <= 0x7e ? j + 1 : j;
  }

  /**
   * Adds chunk[from, to) to the held sequence. False when that makes it longer than
   * MAX_SEQUENCE: it is given up (shown as text) and the caller goes on from `to` as text.
   */
  private hold(chunk: string, from: number, to: number): boolean {
    if (to > from) {
      this.body.push(chunk.slice(from, to));
      this.bodyLength += to - from;
    }
    if (this.bodyLength <= AnsiRenderer.MAX_SEQUENCE) return true;
    this.giveUp();
    return false;
  }

  /** Not a sequence after all: its introducer is dropped and what followed it is text. */
  private giveUp(): void {
    for (const part of this.body) this.run += part;
    this.drop();
  }

  private drop(): void {
    this.mode = "text";
    this.intro = "";
    if (this.bodyLength > 0) this.body = [];
    this.bodyLength = 0;
  }

  private flush(): string {
    const html = this.out + this.wrap(this.run);
    this.out = "";
    this.run = "";
    return html;
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

  /** 0–15 stay palette indexes (themed by CSS); the cube and greys become exact colours (memoised). */
  private static colour256(n: number): number | string | null {
    if (n < 0 || n > 255 || !Number.isInteger(n)) return null;
    if (n < 16) return n;
    const known = AnsiRenderer.palette[n];
    if (known !== undefined) return known;
    const hex = (v: number) => v.toString(16).padStart(2, "0");
    const levels = [0, 95, 135, 175, 215, 255];
    const m = n - 16;
    const g = 8 + (n - 232) * 10;
    const colour =
      n >= 232 ? `#${hex(g)}${hex(g)}${hex(g)}` : `#${hex(levels[Math.floor(m / 36)] ?? 0)}${hex(levels[Math.floor(m / 6) % 6] ?? 0)}${hex(levels[m % 6] ?? 0)}`;
    AnsiRenderer.palette[n] = colour;
    return colour;
  }

  private wrap(raw: string): string {
    if (raw === "") return "";
    // Control characters but tab and newline go (a carriage return included), then the text is escaped.
    const text = /[\x00-\x08\x0b-\x1f\x7f-\x9f&<>"']/.test(raw)
      ? raw.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]+/g, "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
      : raw;
    if (text === "" || this.tag === "") return text;
    return `${this.tag}${text}</span>`;
  }

  /** The span that opens text in the current style; "" for the default style. */
  private openTag(): string {
    const classes: string[] = [];
    let attrs = "";
    if (typeof this.fg === "number") classes.push(`ansi-fg-${this.fg}`);
    else if (typeof this.fg === "string") attrs += ` data-fg="${this.fg}"`;
    if (typeof this.bg === "number") classes.push(`ansi-bg-${this.bg}`);
    else if (typeof this.bg === "string") attrs += ` data-bg="${this.bg}"`;
    if (this.bold) classes.push("ansi-bold");
    if (this.dim) classes.push("ansi-dim");
    if (this.italic) classes.push("ansi-italic");
    if (this.underline) classes.push("ansi-underline");
    if (classes.length === 0 && attrs === "") return "";
    return `<span${classes.length ? ` class="${classes.join(" ")}"` : ""}${attrs}>`;
  }
}

/**
 * The browser's copy of AnsiRenderer, served as /assets/ansi.js: the class's own source, so the
 * server and the browser can never disagree.
 */
export function ansiAsset(): string {
  return `// Generated from src/web/ansi.ts at run time.\nwindow.AnsiRenderer = (${AnsiRenderer.toString()});\n`;
}
