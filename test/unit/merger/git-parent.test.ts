import { describe, expect, it } from "vitest";
import { gitParentDependency, type RelatedChangeInfo } from "../../../src/merger/git-parent.ts";

const sha = (c: string) => c.repeat(40);
function related(n: number, commit: string, extra: Partial<RelatedChangeInfo> = {}): RelatedChangeInfo {
  return {
    project: "org/app",
    change_id: `I${String(n).padStart(40, "0")}`,
    commit: { commit, parents: [] },
    _change_number: n,
    _revision_number: 2,
    _current_revision_number: 2,
    status: "NEW",
    ...extra,
  };
}

describe("gitParentDependency", () => {
  it("finds the open change whose commit is the parent", () => {
    const chain = [related(3, sha("c")), related(2, sha("b")), related(1, sha("a"))];
    expect(gitParentDependency([sha("b")], chain)).toEqual({
      project: "org/app",
      number: 2,
      changeId: `I${"2".padStart(40, "0")}`,
      patchset: 2,
      outdated: false,
    });
  });

  it("is undefined on the branch, and for merged or abandoned parents", () => {
    const chain = [related(2, sha("b"), { status: "MERGED" }), related(1, sha("a"), { status: "ABANDONED" })];
    expect(gitParentDependency([sha("f")], chain)).toBeUndefined();
    expect(gitParentDependency([sha("b")], chain)).toBeUndefined();
    expect(gitParentDependency([sha("a")], chain)).toBeUndefined();
    expect(gitParentDependency([sha("a")], [])).toBeUndefined();
  });

  it("flags a parent patchset that is no longer current", () => {
    const chain = [related(1, sha("a"), { _revision_number: 1, _current_revision_number: 3 })];
    expect(gitParentDependency([sha("a")], chain)?.outdated).toBe(true);
  });

  it("prefers the first parent of a merge commit", () => {
    const chain = [related(2, sha("b")), related(1, sha("a"))];
    expect(gitParentDependency([sha("a"), sha("b")], chain)?.number).toBe(1);
  });
});
