import { describe, expect, it } from "vitest";
import { accepted, problems, withValues } from "./support.ts";

// retry-flaky and retry-flaky-above (docs/jobs.md): bad values are refused naming file:line and field.

describe("retry-flaky", () => {
  const job = (line: string) => withValues({ job: line });

  it.each([
    ["retry-flaky: 4", "retry-flaky: must be between 0 and 3, got 4"],
    ["retry-flaky: -1", "retry-flaky: must be between 0 and 3, got -1"],
    ["retry-flaky: 1.5", "retry-flaky: must be a whole number, got 1.5"],
    ["retry-flaky-above: lots", "retry-flaky-above: expected a percentage like 5% (or a fraction like 0.05)"],
    ["retry-flaky-above: 150%", "retry-flaky-above: must be between 0% and 100%, got 150.0%"],
    ["retry-flaky-above: 2", "retry-flaky-above: must be between 0% and 100%, got 200.0%"],
    ["retry-flaky-above: [5]", "retry-flaky-above: expected a percentage like 5% (or a fraction like 0.05)"],
  ])("refuses %s", (line, message) => {
    expect(problems(job(line))).toEqual([`gatebox.yaml:18: jobs[0].${message}`]);
  });

  it("is off unless asked; takes a count, and a threshold as a percentage or a fraction", () => {
    const unit = (line: string) => accepted(job(line)).jobs.get("unit");
    expect(unit("voting: true")).toMatchObject({ retryFlaky: 0 });
    expect(unit("voting: true")?.retryFlakyAbove).toBeUndefined();
    expect(unit("retry-flaky: 3")?.retryFlaky).toBe(3);
    expect(unit("retry-flaky-above: 5%")?.retryFlakyAbove).toBe(0.05);
    expect(unit("retry-flaky-above: 0.5 %")?.retryFlakyAbove).toBe(0.005);
    expect(unit("retry-flaky-above: 0.05")?.retryFlakyAbove).toBe(0.05);
  });
});
