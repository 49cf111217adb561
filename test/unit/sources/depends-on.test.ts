import { describe, expect, it } from "vitest";
import { changeNumberFromUrl, parseDependsOn } from "../../../src/sources/depends-on.ts";

describe("Depends-On footers", () => {
  it("reads the URL forms REST-SUBSET.md lists", () => {
    expect(changeNumberFromUrl("https://review.example.org/1200")).toBe(1200);
    expect(changeNumberFromUrl("https://review.example.org/#/c/1200/")).toBe(1200);
    expect(changeNumberFromUrl("https://review.example.org/c/org/other/+/1200")).toBe(1200);
    expect(changeNumberFromUrl("https://review.example.org/c/org/other/+/1200/3")).toBe(1200);
    expect(changeNumberFromUrl("https://review.example.org/r/c/1200")).toBe(1200);
    expect(changeNumberFromUrl("not a url")).toBeUndefined();
    expect(changeNumberFromUrl("https://review.example.org/c/org/other")).toBeUndefined();
  });

  it("finds every footer, case-insensitively, without duplicates, in order", () => {
    const msg = [
      "Subject",
      "",
      "Body mentions depends-on: in prose, which is not a footer line",
      "depends-on: https://review.example.org/c/org/a/+/7",
      "Depends-On: I8473b95934b5732ac55d26311a706c9c2bde9940",
      "DEPENDS-ON: https://other.example.org/#/c/7/",
      "Depends-On: https://review.example.org/7",
      "Depends-On: garbage",
      "Change-Id: I0000000000000000000000000000000000000000",
      "",
    ].join("\n");
    expect(parseDependsOn(msg)).toEqual([
      { kind: "url", url: "https://review.example.org/c/org/a/+/7", host: "review.example.org", number: 7 },
      { kind: "change-id", changeId: "I8473b95934b5732ac55d26311a706c9c2bde9940" },
      { kind: "url", url: "https://other.example.org/#/c/7/", host: "other.example.org", number: 7 },
    ]);
    expect(parseDependsOn("No footers\n")).toEqual([]);
  });
});
