import { describe, expect, it } from "vitest";
import { throughput } from "../../../src/simulate/outcome.ts";
import { runScenario } from "../../../src/simulate/run.ts";
import { parseScenario } from "../../../src/simulate/scenario.ts";
import { formatSummary, humanDuration, perHour, streamSummary, summarize } from "../../../src/simulate/summary.ts";

const stream = (pipeline: string, changes = 50) => `name: s
pipeline: ${pipeline}
jobs: [{name: test1, duration: 3600}]
generate: {changes: ${changes}, arrival-interval: 600, failure-rate: 0, seed: 1}
`;

function summaryOf(text: string) {
  const sc = parseScenario("s.yaml", text);
  return streamSummary(sc, runScenario(sc));
}

describe("the stream summary", () => {
  it("measures rates per hour over the span of the instants", () => {
    expect(perHour([0, 600, 1200, 1800])).toBe(6);
    expect(perHour([3600])).toBeNull();
    expect(perHour([5, 5])).toBeNull();
  });

  it("says durations in hours, minutes or seconds with one decimal", () => {
    expect(humanDuration(77_100)).toBe("21.4 h");
    expect(humanDuration(90)).toBe("1.5 min");
    expect(humanDuration(42.4)).toBe("42 s");
  });

  it("a gate that keeps up: no warning; the serial baseline runs one change an hour", () => {
    const s = summaryOf(stream("{manager: dependent}"));
    expect(s.arrivalsPerHour).toBe(6);
    expect(s.gatePace).toBe(6); // each change leaves one job time after it arrived
    expect(s.gate.mergesPerHour).toBeCloseTo(50 / (49 * 600 + 3600) * 3600, 9);
    expect(s.gate.meanTimeInQueue).toBe(3600);
    expect(s.serial.mergesPerHour).toBe(1);
    // Serial: change k leaves at k h, arrived at (k-1)·600 s: mean of 3000k + 600 over k = 1..50.
    expect(s.serial.meanTimeInQueue).toBe(3000 * 25.5 + 600);
    expect(s.serialPace).toBe(1);
    expect(s.warning).toBeNull();
    const table = formatSummary(s).join("\n");
    expect(table).toMatch(/merges\/hour\s+5\.5\s+1\.0$/m);
    expect(table).toMatch(/mean time in queue\s+1\.0 h\s+21\.4 h$/m);
    expect(table).toMatch(/builds started\s+50\s+50$/m);
    expect(table).not.toMatch(/warning/);
  });

  it("a gate held to one item at a time falls behind six arrivals an hour: the warning names both rates", () => {
    const s = summaryOf(stream("{manager: serial}", 20));
    expect(s.gatePace).toBe(1);
    expect(s.warning).toBe(
      "warning: 6.0 arrivals/hour outrun the 1.0 changes/hour the gate gets through (1.0 merges/hour): the queue grows without bound",
    );
    expect(formatSummary(s).at(-1)).toBe(`    ${s.warning}`);
  });

  it("warns only beyond the margin", () => {
    const run = (left: number[]) => ({ stats: throughput(left.length, left.at(-1)!, [], 0, 0), left });
    const arrivals = [0, 360, 720, 1080, 1440, 1800, 2160, 2520, 2880, 3240, 3600]; // 10/hour
    const pace = (perHourRate: number) => run(arrivals.map((_, k) => 600 + (k * 3600) / perHourRate));
    expect(summarize(arrivals, pace(9.2), pace(1)).warning).toBeNull();
    expect(summarize(arrivals, pace(9.0), pace(1)).warning).toMatch(/^warning: 10\.0 arrivals\/hour outrun the 9\.0 changes\/hour/);
  });
});
