import { describe, expect, it } from "vitest";
import { POLL_OPTIONS, changeId, pollQuery, projectsClause, queryParams, quoteValue, sweepQuery } from "../../../src/sources/gerrit/query.ts";

describe("query building", () => {
  it("ORs projects in parentheses and quotes the after: timestamp", () => {
    expect(projectsClause(["a"])).toBe("project:a");
    expect(projectsClause(["org/a", "org/b"])).toBe("(project:org/a OR project:org/b)");
    expect(pollQuery(["org/a", "b"], Date.UTC(2026, 10, 24, 13, 0, 0, 900))).toBe(
      '(project:org/a OR project:b) after:"2026-11-24 13:00:00"',
    );
    expect(sweepQuery(["a"])).toBe("status:open project:a");
    expect(() => projectsClause([])).toThrow();
  });

  it("quotes values Gerrit's parser would split", () => {
    expect(quoteValue("org/project.x_y")).toBe("org/project.x_y");
    expect(quoteValue("has space")).toBe('"has space"');
    expect(quoteValue("(paren)")).toBe('"(paren)"');
    expect(quoteValue("-leading")).toBe('"-leading"');
  });

  it("encodes change ids and query parameters", () => {
    expect(changeId("org/project", 1234)).toBe("org%2Fproject~1234");
    const p = queryParams("status:open", POLL_OPTIONS, 100, 0);
    expect(p.getAll("o")).toEqual([...POLL_OPTIONS]);
    expect(p.get("n")).toBe("100");
    expect(p.has("S")).toBe(false);
    expect(queryParams("x", [], 10, 20).get("S")).toBe("20");
    expect(POLL_OPTIONS).toContain("DETAILED_LABELS");
  });
});
