import { describe, expect, it } from "vitest";
import { MESSAGE_LIMIT_BYTES, resultMessage } from "../../../src/sources/gerrit/report-format.ts";

const url = "https://gatebox.example.org/changes/1234";

describe("the report's line to the change page", () => {
  it("ends the message with the change page when its address is known", () => {
    const text = resultMessage("gate", { success: true, builds: [{ job: "unit", result: "SUCCESS", durationMs: 3000 }], changeUrl: url });
    expect(text).toBe(`Build succeeded (gate pipeline).\n\n- unit : SUCCESS in 3s\n\nChange page: ${url}`);
    expect(resultMessage("gate", { success: true, builds: [] })).toBe("Build succeeded (gate pipeline).");
  });

  it("keeps the line when job lines must be dropped to fit", () => {
    const builds = Array.from({ length: 400 }, (_, i) => ({ job: `job-${i}-${"x".repeat(60)}`, result: i % 2 ? "SUCCESS" : "FAILURE" }));
    const text = resultMessage("gate", { success: false, builds, changeUrl: url });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES);
    expect(text).toMatch(/more jobs/);
    expect(text.endsWith(`\n\nChange page: ${url}`)).toBe(true);
  });
});
