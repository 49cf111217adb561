import { expect, it } from "vitest";
import { durationText, formatDuration, parseDuration, parseSize, sizeText } from "../../../src/config/units.ts";

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

it("writes bounds the way a config file would", () => {
  expect(durationText(7 * 86400)).toBe("7d");
  expect(durationText(5400)).toBe("1h30m");
  expect(durationText(0)).toBe("0s");
  expect(durationText(0.5)).toBe("500ms");
  expect(durationText(1.5)).toBe("1.5s");
  expect(sizeText(6 * 1024 ** 2)).toBe("6 MiB");
  expect(sizeText(6 * 1024 ** 2 - 1)).toBe("5.99 MiB");
  expect(sizeText(1024 ** 4)).toBe("1 TiB");
  expect(sizeText(1000)).toBe("1000 bytes");
});
