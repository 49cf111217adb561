import { describe, expect, it } from "vitest";
import {
  type BuildSummary,
  MESSAGE_LIMIT_BYTES,
  buildLine,
  formatDuration,
  resultMessage,
  startMessage,
} from "../../../src/sources/gerrit/report-format.ts";

describe("report formatting", () => {
  it("formats durations like 3m 12s", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(45_400)).toBe("45s");
    expect(formatDuration(192_000)).toBe("3m 12s");
    expect(formatDuration(3_723_000)).toBe("1h 2m 3s");
    expect(formatDuration(-5)).toBe("0s");
  });

  it("lists each job with URL, result, duration and non-voting mark", () => {
    const msg = resultMessage("gate", {
      success: true,
      builds: [
        { job: "unit", result: "SUCCESS", durationMs: 192_000, logUrl: "https://gatebox.example.org/builds/9f3c" },
        { job: "lint", result: "FAILURE", durationMs: 5_000, voting: false },
      ],
    });
    expect(msg).toBe(
      [
        "Build succeeded (gate pipeline).",
        "",
        "- unit https://gatebox.example.org/builds/9f3c : SUCCESS in 3m 12s",
        "- lint : FAILURE in 5s (non-voting)",
      ].join("\n"),
    );
    expect(resultMessage("check", { success: false, builds: [] })).toBe("Build failed (check pipeline).");
    expect(resultMessage("gate", { success: false, verdict: "Merge failed.", detail: "conflict in a.txt", builds: [] })).toBe(
      "Merge failed.\n\nconflict in a.txt",
    );
    expect(startMessage("gate")).toBe("Starting gate jobs.");
  });

  it("stays under 16 KiB by dropping successful lines first, never the verdict", () => {
    const builds: BuildSummary[] = [];
    for (let i = 0; i < 400; i++) builds.push({ job: `job-${i}`, result: "SUCCESS", durationMs: 1000, logUrl: `https://logs.example.org/${"x".repeat(40)}/${i}` });
    builds.push({ job: "the-failure", result: "FAILURE", durationMs: 1000 });
    const msg = resultMessage("gate", { success: false, builds, buildsetUrl: "https://gatebox.example.org/buildsets/1" });
    expect(Buffer.byteLength(msg)).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES);
    expect(msg.startsWith("Build failed (gate pipeline).\n\n")).toBe(true);
    expect(msg).toContain("- the-failure : FAILURE in 1s");
    expect(msg).toMatch(/- … and \d+ more jobs : https:\/\/gatebox\.example\.org\/buildsets\/1$/);
    const dropped = Number(/and (\d+) more/.exec(msg)![1]);
    const listed = msg.split("\n").filter((l) => l.startsWith("- job-")).length;
    expect(listed + dropped).toBe(400);
  });

  it("cuts a monstrous single line and detail instead of exceeding the limit", () => {
    expect(Buffer.byteLength(buildLine({ job: "é".repeat(5000), result: "SUCCESS" }))).toBeLessThanOrEqual(1000);
    const msg = resultMessage("gate", { success: false, detail: "d".repeat(100_000), builds: [] });
    expect(msg.startsWith("Build failed (gate pipeline).")).toBe(true);
    expect(Buffer.byteLength(msg)).toBeLessThan(5000);
  });
});

describe("artifact links", () => {
  it("a job's line links the first three files it kept and counts the rest", () => {
    const artifacts = ["report.html", "junit.xml", "coverage/index.html", "build.log"].map((name) => ({ name, url: `https://ci/builds/3/artifacts/${name}` }));
    const line = buildLine({ job: "unit", result: "FAILURE", logUrl: "https://ci/builds/3", artifacts });
    expect(line).toBe(
      "- unit https://ci/builds/3 : FAILURE (artifacts: report.html https://ci/builds/3/artifacts/report.html, junit.xml https://ci/builds/3/artifacts/junit.xml, coverage/index.html https://ci/builds/3/artifacts/coverage/index.html, +1 more)",
    );
    expect(buildLine({ job: "unit", result: "SUCCESS", artifacts: [] })).toBe("- unit : SUCCESS");
  });
});
