import { describe, expect, it } from "vitest";
import { resolveJob } from "../../../src/executor/job.ts";
import { LocalPaths } from "../../../src/executor/local/local-paths.ts";

describe("LocalPaths", () => {
  const job = resolveJob({
    image: "i", run: "x", workdir: "/work", env: { SRC: "/work/src", OUT: "/artifacts/x", ETC: "/etc", WORD: "work", W: "/workshop" },
    secrets: { TOKEN: "/work/secret-looking" }, artifacts: { dir: "/artifacts", limit: 1 },
  });
  const paths = new LocalPaths("/tmp/gb/b1", job);

  it("maps the workdir to the build dir and other paths under a root beside it", () => {
    expect(paths.map("/work")).toBe("/tmp/gb/b1");
    expect(paths.map("/work/sub/dir")).toBe("/tmp/gb/b1/sub/dir");
    expect(paths.map("/artifacts")).toBe("/tmp/gb/b1.root/artifacts");
    expect(paths.map("/workshop")).toBe("/tmp/gb/b1.root/workshop");
  });

  it("maps env values naming the workdir or the artifacts dir; secrets pass as they are", () => {
    expect(paths.env(job)).toEqual({
      SRC: "/tmp/gb/b1/src", OUT: "/tmp/gb/b1.root/artifacts/x", ETC: "/etc", WORD: "work", W: "/workshop",
      TOKEN: "/work/secret-looking",
    });
  });
});
