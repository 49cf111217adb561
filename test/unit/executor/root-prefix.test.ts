import { describe, expect, it } from "vitest";
import { rootPrefix } from "../../../src/executor/docker/archive.ts";

describe("rootPrefix: the workdir as the workspace tar's leading path, extracted at /", () => {
  it("is the workdir without its leading slash", () => {
    expect(rootPrefix("/work")).toBe("work");
    expect(rootPrefix("/home/ci/src")).toBe("home/ci/src");
    expect(rootPrefix("/work/")).toBe("work");
  });

  it("is null for / and for paths tar's name transform or the extraction could misread", () => {
    for (const workdir of ["/", "", "/a b", "/a,b", "/a&b", "/a\\b", "/work/../etc", "/./work", "/wörk"]) {
      expect(rootPrefix(workdir)).toBeNull();
    }
  });
});
