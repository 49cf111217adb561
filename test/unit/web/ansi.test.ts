import { describe, expect, it } from "vitest";
import { AnsiRenderer, ansiAsset } from "../../../src/web/ansi.ts";

describe("AnsiRenderer", () => {
  it("turns SGR colours and styles into spans and escapes text", () => {
    expect(AnsiRenderer.toHtml("plain <b>&</b>")).toBe("plain &#60;b&#62;&#38;&#60;/b&#62;");
    expect(AnsiRenderer.toHtml("\x1b[31mred\x1b[0m ok")).toBe('<span class="ansi-fg-1">red</span> ok');
    expect(AnsiRenderer.toHtml("\x1b[1;92mB\x1b[22mN\x1b[39mX")).toBe(
      '<span class="ansi-fg-10 ansi-bold">B</span><span class="ansi-fg-10">N</span>X',
    );
    expect(AnsiRenderer.toHtml("\x1b[44;2;3;4mS\x1b[m")).toBe('<span class="ansi-bg-4 ansi-dim ansi-italic ansi-underline">S</span>');
  });

  it("renders 256-colour and truecolour codes as exact colours", () => {
    expect(AnsiRenderer.toHtml("\x1b[38;5;196mA")).toBe('<span style="color:#ff0000">A</span>');
    expect(AnsiRenderer.toHtml("\x1b[38;5;9mA")).toBe('<span class="ansi-fg-9">A</span>');
    expect(AnsiRenderer.toHtml("\x1b[48;5;240mA")).toBe('<span style="background-color:#585858">A</span>');
    expect(AnsiRenderer.toHtml("\x1b[38;2;1;2;300mA")).toBe('<span style="color:#0102ff">A</span>');
  });

  it("keeps state across chunks, including an escape split in the middle", () => {
    const r = new AnsiRenderer();
    expect(r.push("a\x1b[3")).toBe("a");
    expect(r.push("2mgreen")).toBe('<span class="ansi-fg-2">green</span>');
    expect(r.push(" still")).toBe('<span class="ansi-fg-2"> still</span>');
    expect(r.push("\x1b")).toBe("");
    expect(r.push("[0mdone")).toBe("done");
  });

  it("drops other escape sequences and carriage returns before newlines", () => {
    expect(AnsiRenderer.toHtml("\x1b[2K\x1b[1Gx\x1b]0;title\x07y\r\nz\x1b(B")).toBe("xy\nz");
  });

  it("is served to the browser as the same class", () => {
    const window: { AnsiRenderer?: typeof AnsiRenderer } = {};
    new Function("window", ansiAsset())(window);
    const Browser = window.AnsiRenderer!;
    const text = "\x1b[1;31mFAIL\x1b[0m \x1b[38;5;27mblue\x1b[0m <tag>";
    expect(Browser.toHtml(text)).toBe(AnsiRenderer.toHtml(text));
  });
});
