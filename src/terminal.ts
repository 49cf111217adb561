/**
 * Text from outside (job output, commit subjects, owner names, Gerrit's messages) on its way to an
 * operator's terminal: SGR colour sequences (`ESC [ … m`) are kept, every other control sequence is
 * dropped (OSC such as a window title, a clipboard write or a hyperlink; DCS, SOS, PM, APC; CSI
 * other than SGR, such as a cursor query or a screen clear; C1 controls), and so are C0 controls
 * but newline, tab and carriage return. A sequence that never ends is dropped after MAX_SEQUENCE
 * characters and the text after it is shown. Linear in the input; streams may split anywhere.
 */

const ESC = "\x1b";
/** The longest control sequence waited for before it is given up as garbage. */
export const MAX_SEQUENCE = 4096;

/** Strips as described above, keeping colours; feed chunks with `push`, then call `end`. */
export class TerminalFilter {
  private pending = "";

  push(chunk: string): string {
    const text = this.pending + chunk;
    this.pending = "";
    let out = "";
    let i = 0;
    while (i < text.length) {
      const next = text.indexOf(ESC, i);
      const stop = next < 0 ? text.length : next;
      out += dropControls(text.slice(i, stop));
      if (next < 0) break;
      const seq = sequenceAt(text, next);
      if (seq === null) {
        // Unfinished: wait for more, unless it has gone on too long to be a real sequence.
        if (text.length - next <= MAX_SEQUENCE) this.pending = text.slice(next);
        else i = next + 1;
        if (this.pending) break;
        continue;
      }
      if (seq.keep) out += text.slice(next, seq.end);
      i = seq.end;
    }
    return out;
  }

  /** Whatever is left when the stream ends: an unfinished sequence is dropped. */
  end(): string {
    this.pending = "";
    return "";
  }
}

/** One string, colours kept. */
export function terminalSafe(text: string): string {
  const f = new TerminalFilter();
  return f.push(text) + f.end();
}

/** One line of plain text (a subject, a name): every control sequence and control character gone, colours too. */
export function plainText(text: string): string {
  return terminalSafe(text).replace(/\x1b\[[0-9;:]*m/g, "").replace(/[\r\n\t]+/g, " ");
}

/** C0 controls but \n \t \r, DEL and C1 controls are dropped. */
function dropControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]/g, "");
}

/**
 * The control sequence starting at `at` (text[at] is ESC): where it ends and whether it is a
 * colour to keep; null when the text ends before it does.
 */
function sequenceAt(text: string, at: number): { end: number; keep: boolean } | null {
  const kind = text[at + 1];
  if (kind === undefined) return null;
  if (kind === "[") {
    // CSI: parameter and intermediate bytes, then one final byte in @..~.
    for (let j = at + 2; j < text.length && j - at <= MAX_SEQUENCE; j++) {
      const c = text.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return { end: j + 1, keep: c === 0x6d && /^[0-9;:]*$/.test(text.slice(at + 2, j)) };
      if (c < 0x20 || c > 0x3f) return { end: j, keep: false }; // malformed: drop what came so far
    }
    return text.length - at > MAX_SEQUENCE ? { end: at + 2, keep: false } : null;
  }
  if (kind === "]" || kind === "P" || kind === "X" || kind === "^" || kind === "_") {
    // OSC, DCS, SOS, PM, APC: up to BEL (OSC) or ST (ESC \).
    for (let j = at + 2; j < text.length; j++) {
      if (text[j] === "\x07" && kind === "]") return { end: j + 1, keep: false };
      if (text[j] === ESC && text[j + 1] === "\\") return { end: j + 2, keep: false };
      if (text[j] === ESC && j + 1 >= text.length) return null;
      if (j - at > MAX_SEQUENCE) return { end: at + 2, keep: false };
    }
    return null;
  }
  // Any other escape: ESC, intermediates (space to /), one final byte (0 to ~). Anything else there
  // (a newline, another ESC, a letter beyond ASCII) ends the escape and is not part of it, as a
  // terminal reads it: "progress\x1b\nnext" keeps its line break.
  let j = at + 1;
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  if (j >= text.length) return null;
  const c = text.charCodeAt(j);
  return { end: c >= 0x30 && c <= 0x7e ? j + 1 : j, keep: false };
}
