import { describe, expect, it } from "vitest";
import { formatLogLine, levelOf, operatorLog } from "../../../src/logs/operator-log.ts";

const AT = new Date("2025-03-01T10:00:00.123Z");

describe("the operator log", () => {
  it("text: the line as it is", () => {
    expect(formatLogLine("text", "gatebox: polling http://gerrit", AT)).toBe("gatebox: polling http://gerrit\n");
  });

  it("json: one object per line with t and msg, and level for the known kinds of line", () => {
    expect(formatLogLine("json", "gatebox: polling http://gerrit", AT)).toBe('{"t":"2025-03-01T10:00:00.123Z","msg":"gatebox: polling http://gerrit"}\n');
    const mismatch = JSON.parse(formatLogLine("json", "gatebox: TREE MISMATCH after submitting change I1: x", AT));
    expect(mismatch).toEqual({ t: "2025-03-01T10:00:00.123Z", level: "error", msg: "gatebox: TREE MISMATCH after submitting change I1: x" });
    const multi = formatLogLine("json", "gatebox: internal error handling {} (a bug): Error: x\n    at f (a.ts:1)", AT);
    expect(multi.split("\n")).toHaveLength(2); // the object's line and the final newline
    expect(JSON.parse(multi).level).toBe("error");
  });

  it("levels", () => {
    expect(levelOf("gatebox: unhealthy: store: cannot write")).toBe("error");
    expect(levelOf("gatebox: build b1: cannot prepare its workspace: x")).toBe("warn");
    expect(levelOf("gatebox console: could not send")).toBe("warn");
    expect(levelOf("gatebox: merger gc failed: x")).toBe("warn");
    expect(levelOf("gatebox: Gerrit refused the report of change I1 (check the CI account's permissions): 403")).toBe("warn");
    expect(levelOf("gatebox: healthy again")).toBeNull();
    expect(levelOf("gatebox: listening on http://127.0.0.1:8080 (data in /d)")).toBeNull();
  });

  it("writes each line whole to its stream", () => {
    const out: string[] = [];
    const log = operatorLog("json", { write: (t) => out.push(t) }, () => AT);
    log("gatebox: a");
    log("gatebox: b");
    expect(out.map((l) => JSON.parse(l).msg)).toEqual(["gatebox: a", "gatebox: b"]);
  });
});
