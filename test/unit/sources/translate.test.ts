import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGerritJson } from "../../../src/sources/gerrit/client.ts";
import {
  changeUrl,
  formatGerritSeconds,
  parseGerritTime,
  patchsetRef,
  toChange,
  toSourceChange,
} from "../../../src/sources/gerrit/translate.ts";
import { changeInfo } from "../../../src/sources/gerrit/wire.ts";

const recorded = readFileSync(join(import.meta.dirname, "fixtures/change-info.json"), "utf8");

describe("Gerrit JSON → domain", () => {
  it("strips the XSSI guard before parsing", () => {
    expect(parseGerritJson(`)]}'\n{"a": 1}`)).toEqual({ a: 1 });
    expect(parseGerritJson(`{"a": 2}`)).toEqual({ a: 2 });
    expect(() => parseGerritJson(`)]}'\n{"a": `)).toThrow(SyntaxError);
  });

  it("translates the recorded ChangeInfo of REST-SUBSET.md", () => {
    const c = toChange(changeInfo.parse(JSON.parse(recorded)));
    expect(c).toMatchObject({
      number: 1234,
      project: "org/project",
      branch: "main",
      changeId: "I8473b95934b5732ac55d26311a706c9c2bde9940",
      status: "NEW",
      updated: "2026-11-24 13:05:07.123000000",
      wip: false,
      metaRevId: "5e1f0d2c9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
      revision: "27cc4558b5a3d3387dd11ee2df7a117e7e581822",
      // current_revision_number absent (pre-3.10 server): taken from revisions[current]._number
      patchset: 2,
      ref: "refs/changes/34/1234/2",
      parents: ["1eee2c9d8f352483781e772f35dc586a69ff5646"],
      submittable: true,
      submitRequirements: [{ name: "Verified", status: "SATISFIED" }],
      owner: { accountId: 1000096, name: "Ann", email: "ann@example.org", username: "ann" },
    });
    // Zero rows (accounts allowed to vote that have not) are not votes.
    expect(c.votes).toEqual([
      { label: "Code-Review", accountId: 1000097, value: 2, date: "2026-11-24 13:06:00.000000000" },
      { label: "Workflow", accountId: 1000097, value: 1 },
      { label: "Verified", accountId: 1000200, value: 1 },
    ]);
    // tag: null is treated as absent
    expect(c.messages).toEqual([
      { id: "a1b2", authorId: 1000097, date: "2026-11-24 13:06:00.000000000", message: "Patch Set 2: Code-Review+2", patchset: 2 },
    ]);
    const ref = toSourceChange(c, "https://review.example.org/");
    expect(ref.url).toBe("https://review.example.org/c/org/project/+/1234");
    expect(ref.dependsOn).toEqual([
      { kind: "url", url: "https://review.example.org/c/org/other/+/1200", host: "review.example.org", number: 1200 },
    ]);
  });

  it("tolerates a minimal ChangeInfo (no options) and prefers current_revision_number", () => {
    const info = JSON.parse(recorded);
    info.current_revision_number = 7;
    delete info.revisions;
    delete info.labels;
    delete info.messages;
    const c = toChange(changeInfo.parse(info));
    expect(c.patchset).toBe(7);
    expect(c.ref).toBe("refs/changes/34/1234/7");
    expect(c.votes).toEqual([]);
    expect(c.commitMessage).toBeUndefined();
  });

  it("refuses shapes that lack what gatebox needs", () => {
    const info = JSON.parse(recorded);
    delete info._number;
    expect(changeInfo.safeParse(info).success).toBe(false);
    expect(changeInfo.safeParse({ ...JSON.parse(recorded), status: "DRAFT" }).success).toBe(false);
  });

  it("computes patchset refs with a zero-padded shard", () => {
    expect(patchsetRef(5, 1)).toBe("refs/changes/05/5/1");
    expect(patchsetRef(12345, 3)).toBe("refs/changes/45/12345/3");
    expect(patchsetRef(100, 2)).toBe("refs/changes/00/100/2");
  });

  it("parses and formats Gerrit timestamps in UTC", () => {
    expect(parseGerritTime("2026-11-24 13:05:07.123000000")).toBe(Date.UTC(2026, 10, 24, 13, 5, 7, 123));
    expect(parseGerritTime("2026-11-24 13:05:07")).toBe(Date.UTC(2026, 10, 24, 13, 5, 7));
    expect(parseGerritTime("2026-11-24T13:05:07Z")).toBeUndefined();
    expect(formatGerritSeconds(Date.UTC(2026, 10, 24, 13, 5, 7, 999))).toBe("2026-11-24 13:05:07");
    expect(changeUrl("http://h:1", "a/b", 3)).toBe("http://h:1/c/a/b/+/3");
  });
});
