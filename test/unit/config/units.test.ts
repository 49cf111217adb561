import { expect, it } from "vitest";
import { formatDuration, parseDuration, parseSize } from "../../../src/config/units.ts";

it("parses durations", () => {
  expect(parseDuration("30m")).toBe(1800);
  expect(parseDuration("1h30m")).toBe(5400);
  expect(parseDuration("90")).toBe(90);
  expect(parseDuration(45)).toBe(45);
  expect(parseDuration("500ms")).toBe(0.5);
  expect(parseDuration("soon")).toBeUndefined();
  expect(parseDuration("10x")).toBeUndefined();
  expect(parseDuration(-1)).toBeUndefined();
});

it("parses sizes in binary units", () => {
  expect(parseSize("2g")).toBe(2 * 1024 ** 3);
  expect(parseSize("512m")).toBe(512 * 1024 ** 2);
  expect(parseSize("1.5GB")).toBe(1.5 * 1024 ** 3);
  expect(parseSize(4096)).toBe(4096);
  expect(parseSize("lots")).toBeUndefined();
});

it("formats durations for reports", () => {
  expect(formatDuration(45)).toBe("45s");
  expect(formatDuration(192)).toBe("3m 12s");
  expect(formatDuration(3720)).toBe("1h 02m");
});
