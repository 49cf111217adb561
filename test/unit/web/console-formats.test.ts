import { describe, expect, it } from "vitest";
import { castEvent, parseAsciicast, toAsciicast } from "../../../src/logs/asciicast.ts";
import { parseConsoleRequest, renderTcpEvent } from "../../../src/logs/tcp-protocol.ts";
import { SseParser } from "../../../src/web/sse-parser.ts";

describe("asciicast", () => {
  it("turns a console into an asciicast v2 recording with CRLF output and dimmed gatebox lines", () => {
    const cast = toAsciicast({ gatebox: "console", version: 1, build: "42", started: 1_700_000_000_500 }, [
      { t: 0, kind: "i", data: "pulling image" },
      { t: 0.5, kind: "o", data: "line 1\nline 2\r\n" },
      { t: 1.25, kind: "e", data: "\x1b[31merr\x1b[0m\n" },
      { t: 2, kind: "x", data: "SUCCESS" },
    ]);
    const { header, events } = parseAsciicast(cast);
    expect(header).toEqual({ version: 2, width: 120, height: 40, timestamp: 1_700_000_000, title: "gatebox build 42" });
    expect(events).toEqual([
      [0, "o", "\x1b[2mpulling image\x1b[0m\r\n"],
      [0.5, "o", "line 1\r\nline 2\r\n"],
      [1.25, "o", "\x1b[31merr\x1b[0m\r\n"],
    ]);
    expect(castEvent({ t: 3, kind: "x", data: "FAILURE" })).toBe("");
  });

  it("rejects what is not a v2 recording", () => {
    expect(() => parseAsciicast('{"version":1}\n')).toThrow(/asciicast v2/);
  });
});

describe("TCP console protocol", () => {
  it("accepts a build id, finger's BUILD@host and /W prefix", () => {
    expect(parseConsoleRequest("17\r\n")).toEqual({ ok: true, buildId: "17" });
    expect(parseConsoleRequest("b-17@gate.example.org")).toEqual({ ok: true, buildId: "b-17" });
    expect(parseConsoleRequest("/W 17@host")).toEqual({ ok: true, buildId: "17" });
  });

  it("refuses an empty line or a path", () => {
    expect(parseConsoleRequest("  ")).toMatchObject({ ok: false });
    expect(parseConsoleRequest("../../etc/passwd")).toMatchObject({ ok: false, error: expect.stringContaining("not a build id") });
  });

  it("writes output with CRLF, gatebox lines dimmed, and an end line", () => {
    expect(renderTcpEvent({ kind: "o", data: "a\nb" })).toBe("a\r\nb");
    expect(renderTcpEvent({ kind: "i", data: "note" })).toBe("\x1b[2m[gatebox] note\x1b[0m\r\n");
    expect(renderTcpEvent({ kind: "x", data: "FAILURE" })).toBe("\r\n-- build finished: FAILURE --\r\n");
  });
});

describe("SseParser", () => {
  it("reassembles messages split anywhere and skips comments", () => {
    const p = new SseParser();
    expect(p.push("event: con")).toEqual([]);
    expect(p.push('sole\ndata: [1,"o","x"]\n')).toEqual([]);
    expect(p.push("\n: keepalive\n\nevent: end\r\ndata: a\ndata: b\r\n\r\n")).toEqual([
      { event: "console", data: '[1,"o","x"]' },
      { event: "end", data: "a\nb" },
    ]);
  });
});
