import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { ARTIFACTS_DIR, type BuildContext, buildSpec } from "../../../src/driver/jobs.ts";

const config = parseConfig(
  "jobs.yaml",
  `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: X}}}
secrets: {TOKEN: {env: PUBLISH_TOKEN}}
pipelines:
  - name: check
    manager: independent
    trigger: {gerrit: [{event: patchset-created}]}
  - name: post
    manager: independent
    post-review: true
    trigger: {gerrit: [{event: change-merged}]}
jobs:
  - {name: unit, image: b, run: sh ./ci.sh, env: {MODE: fast}}
  - {name: publish, image: b, run: ./publish.sh, secrets: [TOKEN]}
projects:
  - {name: org/b, check: {jobs: [unit]}, post: {jobs: [unit, publish]}}
  - {name: org/a, check: {jobs: [unit]}}
`,
);

function ctx(pipeline: string, merged = false): BuildContext {
  return {
    pipeline: config.pipelines.find((p) => p.name === pipeline)!,
    buildId: "42",
    webUrl: "https://ci.example.org",
    changes: [
      { id: "7", project: "org/b", branch: "main", number: 7, patchset: 3, ref: "refs/changes/07/7/3" },
      { id: "12", project: "org/a", branch: "main", number: 12, patchset: 2, ref: "refs/changes/12/12/2" },
    ],
    state: { "org/a": { branch: "main", commit: "c".repeat(40), tree: "t" }, "org/b": { branch: "main", commit: "d".repeat(40), tree: "u" } },
    merged,
    secret: (name) => (name === "TOKEN" ? "s3cret" : undefined),
  };
}

describe("what a build is told", () => {
  it("starts in the checkout of its project, with every GATEBOX_* variable", () => {
    const spec = buildSpec(config.jobs.get("unit")!, ctx("check"));
    expect(spec.startDir).toBe("/work/org/a");
    expect(spec.env).toEqual({
      MODE: "fast",
      CI: "true",
      GATEBOX: "true",
      GATEBOX_PIPELINE: "check",
      GATEBOX_JOB: "unit",
      GATEBOX_BUILD: "42",
      GATEBOX_BUILD_URL: "https://ci.example.org/builds/42",
      GATEBOX_PROJECT: "org/a",
      GATEBOX_BRANCH: "main",
      GATEBOX_CHANGE: "12",
      GATEBOX_PATCHSET: "2",
      GATEBOX_REF: "refs/changes/12/12/2",
      GATEBOX_COMMIT: "c".repeat(40),
      GATEBOX_ITEMS: "org/b:7,3 org/a:12,2",
      GATEBOX_SRC_DIR: "/work/org/a",
      GATEBOX_ARTIFACTS: ARTIFACTS_DIR,
    });
    expect(spec.artifacts).toEqual({ dir: ARTIFACTS_DIR, limit: config.jobs.get("unit")!.artifactLimit });
    expect(spec.outputLimit).toBe(config.jobs.get("unit")!.outputLimit);
    expect(spec.secrets).toBeUndefined();
  });

  it("a post build of a merged change tests the branch: GATEBOX_REF is the branch", () => {
    expect(buildSpec(config.jobs.get("unit")!, ctx("post", true)).env?.["GATEBOX_REF"]).toBe("refs/heads/main");
  });

  it("secrets reach only post-review pipelines", () => {
    const publish = config.jobs.get("publish")!;
    expect(buildSpec(publish, ctx("post", true)).secrets).toEqual({ TOKEN: "s3cret" });
    // Even were such a job run in check (validate refuses the config), it gets no secret.
    expect(buildSpec(publish, ctx("check")).secrets).toBeUndefined();
    expect(JSON.stringify(buildSpec(publish, ctx("check")))).not.toContain("s3cret");
  });
});
