import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDependsOnFooters as parseDependsOn } from "../../../src/sources/depends-on.ts";

const ID = "I8473b95934b5732ac55d26311a706c9c2bde9940";

describe("parseDependsOn", () => {
  it("reads every URL form, case-insensitively, anywhere in the message", () => {
    const message = [
      "Add the thing",
      "",
      "depends-on: https://review.example.org/1200",
      "Some text in between.",
      "DEPENDS-ON: https://review.example.org/#/c/1201/",
      "Depends-On: https://review.example.org/c/org/other/+/1202",
      "  Depends-On:   https://review.example.org/c/org/other/+/1203/2/  ",
      "Depends-On: <https://gerrit.example.com:8443/r/c/1204>",
      "",
      `Change-Id: ${ID}`,
    ].join("\n");
    const { dependencies, unparsed } = parseDependsOn(message);
    expect(unparsed).toEqual([]);
    expect(dependencies).toEqual([
      { kind: "url", url: "https://review.example.org/1200", host: "review.example.org", baseUrl: "https://review.example.org", number: 1200 },
      { kind: "url", url: "https://review.example.org/#/c/1201/", host: "review.example.org", baseUrl: "https://review.example.org", number: 1201 },
      {
        kind: "url",
        url: "https://review.example.org/c/org/other/+/1202",
        host: "review.example.org",
        baseUrl: "https://review.example.org",
        number: 1202,
        project: "org/other",
      },
      {
        kind: "url",
        url: "https://review.example.org/c/org/other/+/1203/2/",
        host: "review.example.org",
        baseUrl: "https://review.example.org",
        number: 1203,
        project: "org/other",
      },
      {
        kind: "url",
        url: "https://gerrit.example.com:8443/r/c/1204",
        host: "gerrit.example.com:8443",
        baseUrl: "https://gerrit.example.com:8443/r",
        number: 1204,
      },
    ]);
  });

  it("reads Change-Id dependencies and normalises their case", () => {
    const { dependencies } = parseDependsOn(`Fix\n\nDepends-On: ${ID}\ndepends-on: I${"A".repeat(40)}\n`);
    expect(dependencies).toEqual([
      { kind: "change-id", changeId: ID },
      { kind: "change-id", changeId: `I${"a".repeat(40)}` },
    ]);
  });

  it("keeps a project path with a base path prefix and URL-encoded parts", () => {
    const { dependencies } = parseDependsOn("Depends-On: https://h.example/gerrit/c/org%2Fdeep/x/+/7\n");
    expect(dependencies).toEqual([
      { kind: "url", url: "https://h.example/gerrit/c/org%2Fdeep/x/+/7", host: "h.example", baseUrl: "https://h.example/gerrit", number: 7, project: "org/deep/x" },
    ]);
  });

  it("deduplicates and reports values it cannot read", () => {
    const { dependencies, unparsed } = parseDependsOn(
      [
        "Depends-On: https://review.example.org/1200",
        "Depends-On: https://review.example.org/c/1200",
        "Depends-On: I123",
        "Depends-On: ftp://review.example.org/1200",
        "Depends-On: https://review.example.org/c/org/other",
        "Depends-On:",
      ].join("\n"),
    );
    expect(dependencies.map((d) => (d.kind === "url" ? d.number : d.changeId))).toEqual([1200]);
    expect(unparsed).toEqual(["I123", "ftp://review.example.org/1200", "https://review.example.org/c/org/other"]);
  });

  it("ignores lines that merely mention Depends-On", () => {
    const { dependencies, unparsed } = parseDependsOn("We dropped the Depends-On: https://x.example/1 footer\n");
    expect(dependencies).toEqual([]);
    expect(unparsed).toEqual([]);
  });

  it("finds every change number written in the new-UI form (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 0, maxLength: 8 }),
        fc.constantFrom("Depends-On", "depends-on", "DEPENDS-ON", "Depends-on"),
        (numbers, tag) => {
          const body = numbers.map((n) => `${tag}: https://g.example/c/p/q/+/${n}`).join("\nfiller line\n");
          const parsed = parseDependsOn(`Subject\n\n${body}\n`).dependencies;
          expect(parsed.map((d) => (d.kind === "url" ? d.number : -1))).toEqual(numbers);
        },
      ),
    );
  });
});
