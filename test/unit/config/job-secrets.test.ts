import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkSecrets, resolveSecrets } from "../../../src/config/secrets.ts";
import { InputError } from "../../../src/errors.ts";
import { accepted, problems } from "./support.ts";

// Job secrets: defined once at the top level, named by the jobs that get them, and given only to
// pipelines that run reviewed code (post-review: true). docs/jobs.md "Secrets".

const dir = mkdtempSync(join(tmpdir(), "gatebox-job-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Secrets from line 4; with the default two, the `publish` job's extra keys are on line 21, the
 * project's templates on 27 and its own pipelines from 28 (each secret line more moves them one down).
 */
function config(v: { secrets?: string[]; job?: string; template?: string; project?: string[]; postReview?: string } = {}): string {
  const secrets = v.secrets ?? ["PYPI_TOKEN: {env: PYPI}", "DEPLOY_KEY: {file: /etc/gatebox/deploy-key}"];
  return `connections:
  gerrit: {url: "https://review.example.org", user: ci, password: {env: PW}}
secrets:${secrets.length === 0 ? " {}" : ""}
${secrets.map((s) => `  ${s}\n`).join("")}pipelines:
  - name: check
    manager: independent
    trigger: {gerrit: [{event: patchset-created}]}
  - name: post
    manager: independent
    ${v.postReview ?? "post-review: true"}
    trigger: {gerrit: [{event: change-merged}]}
jobs:
  - name: unit
    image: busybox
    run: sh ./ci.sh
  - name: publish
    image: busybox
    run: sh ./publish.sh
    ${v.job ?? "secrets: [PYPI_TOKEN]"}
project-templates:
  - name: standard
    check: {jobs: [${v.template ?? "unit"}]}
projects:
  - name: org/a
    templates: [standard]
${(v.project ?? ["post: {jobs: [publish]}"]).map((p) => `    ${p}\n`).join("")}`;
}

describe("the secrets: section", () => {
  it("maps names to where their values are read, with the place for error messages", () => {
    const c = accepted(config());
    expect([...c.secrets.keys()]).toEqual(["PYPI_TOKEN", "DEPLOY_KEY"]);
    expect(c.secrets.get("PYPI_TOKEN")).toEqual({ env: "PYPI", place: "gatebox.yaml:4: secrets.PYPI_TOKEN" });
    expect(c.secrets.get("DEPLOY_KEY")).toMatchObject({ file: "/etc/gatebox/deploy-key" });
    expect(c.jobs.get("publish")?.secrets).toEqual(["PYPI_TOKEN"]);
    expect(c.jobs.get("unit")?.secrets).toEqual([]);
    expect(c.pipelines.map((p) => [p.name, p.postReview])).toEqual([
      ["check", false],
      ["post", true],
    ]);
  });

  it("refuses names that are no environment variable or are gatebox's own, and a reference without one source", () => {
    const found = problems(config({ secrets: ["GATEBOX_TOKEN: {env: T}", "1X: {env: T}", "CI: {env: T}", "BOTH: {env: T, file: /f}"], job: "voting: true" }));
    expect(found).toEqual([
      "gatebox.yaml:4: secrets.GATEBOX_TOKEN: is gatebox's own variable (CI, GATEBOX and GATEBOX_* are set in every build; docs/jobs.md)",
      "gatebox.yaml:5: secrets.1X: is not a valid environment variable name",
      "gatebox.yaml:6: secrets.CI: is gatebox's own variable (CI, GATEBOX and GATEBOX_* are set in every build; docs/jobs.md)",
      "gatebox.yaml:7: secrets.BOTH: give exactly one of env or file for the secret",
    ]);
  });
});

describe("a job's secrets", () => {
  it("must be defined, naming the job and the unknown name", () => {
    expect(problems(config({ job: "secrets: [PYPI_TOKEN, NPM_TOKEN]" }))).toEqual([
      "gatebox.yaml:21: jobs[1].secrets[1]: job 'publish' uses unknown secret 'NPM_TOKEN' (secrets: PYPI_TOKEN, DEPLOY_KEY)",
    ]);
    expect(problems(config({ secrets: [], job: "secrets: [PYPI_TOKEN]" }))[0]).toBe(
      "gatebox.yaml:19: jobs[1].secrets[0]: job 'publish' uses unknown secret 'PYPI_TOKEN' (secrets: none defined)",
    );
  });

  it("refuses a name listed twice and an env key that is also one of the job's secrets", () => {
    expect(problems(config({ job: "secrets: [PYPI_TOKEN, PYPI_TOKEN]" }))).toEqual(["gatebox.yaml:21: jobs[1].secrets[1]: secret 'PYPI_TOKEN' is listed twice"]);
    const env = config({ job: "secrets: [PYPI_TOKEN]\n    env: {PYPI_TOKEN: x}" });
    expect(problems(env)).toEqual([
      "gatebox.yaml:22: jobs[1].env.PYPI_TOKEN: is also a secret of job 'publish': a variable has one value, so drop it from env or from secrets",
    ]);
  });

  it("runs only in post-review pipelines: listed directly in check is an error naming job, project and pipeline", () => {
    expect(problems(config({ project: ["check: {jobs: [publish]}"] }))).toEqual([
      "gatebox.yaml:28: projects[0].check.jobs[0]: job 'publish' uses secrets but is listed for project org/a in pipeline check, " +
        "which is not post-review: true; secrets go only to pipelines that run reviewed code (docs/jobs.md)",
    ]);
  });

  it("runs only in post-review pipelines: through a project-template too", () => {
    expect(problems(config({ template: "unit, publish" }))).toEqual([
      "gatebox.yaml:27: projects[0].templates[0]: job 'publish' uses secrets but is listed for project org/a in pipeline check " +
        "(through project-template 'standard'), which is not post-review: true; secrets go only to pipelines that run reviewed code (docs/jobs.md)",
    ]);
  });

  it("is refused in a pipeline that does not say post-review: true (the default is false)", () => {
    expect(problems(config({ postReview: "precedence: low" }))[0]).toMatch(/projects\[0\]\.post\.jobs\[0\]: job 'publish' .* in pipeline post, which is not post-review: true/);
    expect(problems(config({ postReview: "post-review: false" }))).toHaveLength(1);
    // A job without secrets runs anywhere.
    expect(accepted(config({ job: "voting: true", project: ["check: {jobs: [publish]}"] })).projects[0]?.pipelines.get("check")?.jobs).toEqual(["unit", "publish"]);
  });
});

describe("a job's env", () => {
  it.each(["CI", "GATEBOX", "GATEBOX_SRC_DIR", "GATEBOX_ARTIFACTS"])("may not set gatebox's own %s", (name) => {
    expect(problems(config({ job: `env: {${name}: x}` }))).toEqual([
      `gatebox.yaml:21: jobs[1].env.${name}: is gatebox's own variable (CI, GATEBOX and GATEBOX_* are set in every build; docs/jobs.md)`,
    ]);
  });

  it("may set names that merely resemble them", () => {
    expect(accepted(config({ job: "env: {CI_DEBUG: 1, CIPHER: aes, MY_GATEBOX_URL: u, gatebox_x: y}" })).jobs.get("publish")?.env).toEqual({
      CI_DEBUG: "1",
      CIPHER: "aes",
      MY_GATEBOX_URL: "u",
      gatebox_x: "y",
    });
  });
});

describe("resolving job secrets", () => {
  const file = join(dir, "deploy-key");
  writeFileSync(file, "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
  const withFile = () => config({ secrets: ["PYPI_TOKEN: {env: PYPI}", `DEPLOY_KEY: {file: ${file}}`] });

  it("reads every job secret by name; none prints", () => {
    const secrets = resolveSecrets(accepted(withFile()), { PW: "pw", PYPI: "pypi-123" });
    expect([...secrets.jobSecrets.keys()]).toEqual(["PYPI_TOKEN", "DEPLOY_KEY"]);
    expect(secrets.jobSecrets.get("PYPI_TOKEN")?.reveal()).toBe("pypi-123");
    expect(secrets.jobSecrets.get("DEPLOY_KEY")?.reveal()).toBe("-----BEGIN KEY-----\nabc\n-----END KEY-----");
    expect(JSON.stringify(Object.fromEntries(secrets.jobSecrets))).not.toContain("pypi-123");
  });

  it("names every missing one at once, with its place, in checkSecrets and resolveSecrets", () => {
    const c = accepted(config());
    const missing = [
      "gatebox.yaml:2: connections.gerrit.password: environment variable PW is not set",
      "gatebox.yaml:4: secrets.PYPI_TOKEN: environment variable PYPI is not set",
      "gatebox.yaml:5: secrets.DEPLOY_KEY: cannot read /etc/gatebox/deploy-key (ENOENT)",
    ];
    expect(checkSecrets(c, {})).toEqual(missing);
    let error: unknown;
    try {
      resolveSecrets(c, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toEqual(missing);
  });
});
