import { describe, expect, it } from "vitest";
import { AnsiRenderer, ansiAsset } from "../../../src/web/ansi.ts";

/** Renders `text` pushed in chunks of `size` characters, then ends the stream. */
function chunked(text: string, size: number): string {
  const r = new AnsiRenderer();
  let html = "";
  for (let i = 0; i < text.length; i += size) html += r.push(text.slice(i, i + size));
  return html + r.end();
}

const errorLines = (n: number) => Array.from({ length: n }, (_, i) => `ERROR ${String(i + 1).padStart(3, "0")}: step ${i + 1} failed\n`).join("");
const shown = (html: string) => html.match(/ERROR \d{3}/g)?.length ?? 0;

describe("AnsiRenderer", () => {
  it("turns SGR colours and styles into spans and escapes text", () => {
    expect(AnsiRenderer.toHtml("plain <b>&</b>")).toBe("plain &#60;b&#62;&#38;&#60;/b&#62;");
    expect(AnsiRenderer.toHtml("\x1b[31mred\x1b[0m ok")).toBe('<span class="ansi-fg-1">red</span> ok');
    expect(AnsiRenderer.toHtml("\x1b[1;92mB\x1b[22mN\x1b[39mX")).toBe(
      '<span class="ansi-fg-10 ansi-bold">B</span><span class="ansi-fg-10">N</span>X',
    );
    expect(AnsiRenderer.toHtml("\x1b[44;2;3;4mS\x1b[m")).toBe('<span class="ansi-bg-4 ansi-dim ansi-italic ansi-underline">S</span>');
  });

  it("gives 256-colour and truecolour codes as exact colours in data attributes, never a style attribute", () => {
    expect(AnsiRenderer.toHtml("\x1b[38;5;196mA")).toBe('<span data-fg="#ff0000">A</span>');
    expect(AnsiRenderer.toHtml("\x1b[38;5;9mA")).toBe('<span class="ansi-fg-9">A</span>');
    expect(AnsiRenderer.toHtml("\x1b[48;5;240mA")).toBe('<span data-bg="#585858">A</span>');
    expect(AnsiRenderer.toHtml("\x1b[38;2;1;2;300mA")).toBe('<span data-fg="#0102ff">A</span>');
    expect(AnsiRenderer.toHtml("\x1b[1;38:5:27;48;2;0;0;0mA")).toBe('<span class="ansi-bold" data-fg="#005fff" data-bg="#000000">A</span>');
    expect(AnsiRenderer.toHtml("\x1b[38;5;196;48;5;21m<x>")).not.toContain("style=");
  });

  it("keeps state across chunks, including an escape split in the middle", () => {
    const r = new AnsiRenderer();
    expect(r.push("a\x1b[3")).toBe("a");
    expect(r.push("2mgreen")).toBe('<span class="ansi-fg-2">green</span>');
    expect(r.push(" still")).toBe('<span class="ansi-fg-2"> still</span>');
    expect(r.push("\x1b")).toBe("");
    expect(r.push("[0mdone")).toBe("done");
  });

  it("drops other escape sequences, carriage returns and control characters", () => {
    expect(AnsiRenderer.toHtml("\x1b[2K\x1b[1Gx\x1b]0;title\x07y\r\nz\x1b(B")).toBe("xy\nz");
    expect(AnsiRenderer.toHtml("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b")).toBe("alinkb");
    expect(AnsiRenderer.toHtml("\x1bP1$r\x07still dcs\x1b\\after")).toBe("after");
    expect(AnsiRenderer.toHtml("bell\x07 nul\x00 tab\t del\x7f c1\x9b")).toBe("bell nul tab\t del c1");
    expect(AnsiRenderer.toHtml("\x1b7saved\x1b8 \x1b=keypad")).toBe("saved keypad");
  });

  it("ends an OSC at another escape, which counts", () => {
    expect(AnsiRenderer.toHtml("\x1b]0;title\x1b[31mred")).toBe('<span class="ansi-fg-1">red</span>');
  });

  it("shows every line after an unterminated OSC (printf '\\033]8;;'), whole or in chunks", () => {
    const text = `\x1b]8;;${errorLines(200)}`;
    for (const size of [1, 7, 100, 4096, text.length]) expect(shown(chunked(text, size)), `chunks of ${size}`).toBe(200);
    // Live, before the stream ends: a line feed cuts the OSC, so the lines show as they come.
    const r = new AnsiRenderer();
    expect(shown(r.push(text))).toBe(200);
  });

  it("gives up a sequence longer than MAX_SEQUENCE: its introducer is dropped and the rest shown", () => {
    const max = AnsiRenderer.MAX_SEQUENCE;
    const body = "x".repeat(max + 10);
    for (const intro of ["\x1bP", "\x1b_", "\x1b]"]) {
      const r = new AnsiRenderer();
      expect(r.push(`${intro}${"y".repeat(max)}`), "held while it may still end").toBe("");
      expect(r.push("yz")).toBe(`${"y".repeat(max + 1)}z`);
      expect(chunked(`${intro}${body}`, 1000)).toBe(body);
    }
    expect(AnsiRenderer.toHtml(`\x1b[${"1".repeat(max + 1)}mtext`)).toBe(`${"1".repeat(max + 1)}mtext`);
    // One within the limit is still a sequence.
    expect(AnsiRenderer.toHtml(`\x1bP${"y".repeat(max)}\x1b\\after`)).toBe("after");
  });

  it("shows what followed an OSC cut by the end of the stream; drops a cut CSI", () => {
    expect(AnsiRenderer.toHtml("\x1b]8;;ERROR 001 short")).toBe("8;;ERROR 001 short");
    expect(AnsiRenderer.toHtml("ok\x1b[31")).toBe("ok");
  });

  it("is linear: 5 MB held behind an unterminated sequence renders in well under a second", () => {
    const line = "ERROR 123: something went wrong in step 123, see the log above\n";
    const lines = line.repeat(Math.ceil(5_000_000 / line.length));
    // An OSC (cut by the first line feed) and a DCS (held until it is too long to be one).
    for (const intro of ["\x1b]8;;", "\x1bP"]) {
      for (const size of [4096, 65_536]) {
        const t0 = performance.now();
        const html = chunked(intro + lines, size);
        const ms = performance.now() - t0;
        expect(html.length).toBe(intro.length - 2 + lines.length);
        expect(ms, `5 MB after ${JSON.stringify(intro)} in chunks of ${size}: ${ms.toFixed(0)} ms`).toBeLessThan(1000);
      }
    }
  });

  it("is served to the browser as the same class", () => {
    const window: { AnsiRenderer?: typeof AnsiRenderer } = {};
    new Function("window", ansiAsset())(window);
    const Browser = window.AnsiRenderer!;
    const text = `\x1b[1;31mFAIL\x1b[0m \x1b[38;5;27mblue\x1b[0m <tag> \x1b]8;;${errorLines(3)}`;
    expect(Browser.toHtml(text)).toBe(AnsiRenderer.toHtml(text));
    expect(Browser.MAX_SEQUENCE).toBe(4096);
  });
});
