import { describe, expect, it } from "vitest";
import { barChart, formatDuration, lineChart } from "../../../src/web/charts.ts";

describe("charts", () => {
  it("draws one polyline per series with a point per value, escaped names", () => {
    const svg = lineChart({ title: "t <1>", series: [{ name: "a&b", points: [{ x: 0, y: 0 }, { x: 10, y: 5 }] }, { name: "c", points: [{ x: 5, y: 10 }] }] });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toContain("t &#60;1&#62;");
    expect(svg).toContain('data-name="a&#38;b"');
    // y=10 is the top of the plot, y=0 its bottom
    expect(svg).toMatch(/cy="24\.0"/);
    expect(svg).toMatch(/cy="186\.0"/);
  });

  it("says so when there is no data", () => {
    expect(lineChart({ title: "x", series: [] })).toContain("no data yet");
    expect(barChart({ title: "x", bars: [] })).toContain("no data yet");
  });

  it("draws bars proportional to values, failures marked", () => {
    const svg = barChart({ title: "q", bars: [{ label: "1", value: 10 }, { label: "2", value: 5, bad: true }] });
    const heights = [...svg.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([162, 81]);
    expect(svg).toContain("bad-bar");
  });

  it("formats durations", () => {
    expect([5, 75, 3600 + 120].map(formatDuration)).toEqual(["5s", "1m 15s", "1h 02m"]);
  });
});
