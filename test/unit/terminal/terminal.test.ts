import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_SEQUENCE, plainText, TerminalFilter, terminalSafe } from "../../../src/terminal.ts";

const E = "\x1b";

describe("terminal-safe text", () => {
  it("keeps colours and drops every other sequence", () => {
    expect(terminalSafe(`${E}[1;31mred${E}[0m`)).toBe(`${E}[1;31mred${E}[0m`);
    // OSC 0 (window title), OSC 52 (clipboard), OSC 8 (hyperlink), with BEL or ST.
    expect(terminalSafe(`a${E}]0;pwned${E}\\b`)).toBe("ab");
    expect(terminalSafe(`a${E}]52;c;cm0gLXJmIC8K\x07b`)).toBe("ab");
    expect(terminalSafe(`${E}]8;;http://x${E}\\link${E}]8;;${E}\\`)).toBe("link");
    // DCS, APC, PM, SOS.
    expect(terminalSafe(`a${E}Pq#0;2;0;0;0${E}\\b${E}_apc${E}\\c${E}^pm${E}\\d${E}Xsos${E}\\e`)).toBe("abcde");
    // CSI other than SGR: cursor position report request, clear screen, cursor moves.
    expect(terminalSafe(`a${E}[6nb${E}[2Jc${E}[10;20Hd${E}[?1049h`)).toBe("abcd");
    // Two-character escapes (reset, keypad mode) and charset selection.
    expect(terminalSafe(`a${E}cb${E}=c${E}(Bd`)).toBe("abcd");
  });

  it("drops C0 controls but newline, tab and carriage return, and C1 controls", () => {
    expect(terminalSafe("a\x07b\x08c\td\re\nf\x00g\x7fh")).toBe("abc\td\re\nfgh");
    expect(terminalSafe("a\x9b31mb\x9dtitle\x9cc")).toBe("a31mbtitlec");
  });

  it("keeps what follows a lone ESC that starts no sequence: a line break, another escape, a letter", () => {
    expect(terminalSafe(`progress${E}\nnext line`)).toBe("progress\nnext line");
    expect(terminalSafe(`a${E}${E}[31mb`)).toBe(`a${E}[31mb`);
    expect(terminalSafe(`a${E}(\tb`)).toBe("a\tb");
    expect(terminalSafe(`a${E}é`)).toBe("aé");
    const f = new TerminalFilter();
    expect(f.push(`x${E}`) + f.push("\ny") + f.end()).toBe("x\ny");
  });

  it("handles sequences split across chunks", () => {
    const f = new TerminalFilter();
    const parts = [`a${E}`, "]52;c;", "AAAA", `${E}`, `\\b${E}[3`, "1mc", `${E}[`, "2J"];
    expect(parts.map((p) => f.push(p)).join("") + f.end()).toBe(`ab${E}[31mc`);
  });

  it("gives up on a sequence that never ends and shows what follows", () => {
    const endless = `${E}]8;;${"x".repeat(MAX_SEQUENCE + 10)}`;
    const out = terminalSafe(`${endless}\nERROR: after`);
    expect(out).toContain("ERROR: after");
    expect(out).not.toContain(E);
  });

  it("plain text has no escapes at all, colours neither, and one line", () => {
    expect(plainText(`Fix ${E}[31mbug${E}[0m${E}]52;c;x\x07\nsecond line`)).toBe("Fix bug second line");
  });

  it("never lets an escape other than SGR through, whatever the input and however it is split", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom("a", "\n", E, "[", "]", "\\", "\x07", "m", "1", ";", "P", "\x9b", "H") }), { maxLength: 20 }), (chunks) => {
        const f = new TerminalFilter();
        const out = chunks.map((c) => f.push(c)).join("") + f.end();
        const withoutSgr = out.replace(/\x1b\[[0-9;:]*m/g, "");
        return !withoutSgr.includes(E) && !/[\x80-\x9f]/.test(withoutSgr);
      }),
      { numRuns: 3000 },
    );
  });
});
