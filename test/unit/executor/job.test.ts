import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.ts";
import { jobEnv, resolveJob, secretValues } from "../../../src/executor/job.ts";
import { describeExit, retryDelay } from "../../../src/executor/outcome.ts";

describe("resolveJob", () => {
  it("fills the defaults", () => {
    expect(resolveJob({ image: "i", run: "true" })).toEqual({
      image: "i",
      run: "true",
      env: {},
      timeout: 3600,
      workdir: "/work",
      memory: undefined,
      cpus: undefined,
      pids: 1024,
      user: undefined,
      attempts: 3,
      network: "none",
      separateStderr: false,
      startDir: "/work",
      secrets: {},
      outputLimit: 256 * 1024 * 1024,
      artifacts: undefined,
    });
  });

  it("normalizes paths and keeps startDir, secrets, outputLimit and artifacts", () => {
    const job = resolveJob({
      image: "i", run: "x", workdir: "/src/", startDir: "/src/sub/../pkg/", secrets: { TOKEN: "s3cret" },
      outputLimit: 1024, artifacts: { dir: "/src/out/", limit: 0 },
    });
    expect(job.workdir).toBe("/src");
    expect(job.startDir).toBe("/src/pkg");
    expect(job.secrets).toEqual({ TOKEN: "s3cret" });
    expect(job.outputLimit).toBe(1024);
    expect(job.artifacts).toEqual({ dir: "/src/out", limit: 0 });
    expect(resolveJob({ image: "i", run: "x", workdir: "/a" }).startDir).toBe("/a");
  });

  it("refuses bad startDir, secrets, outputLimit and artifacts", () => {
    let caught: unknown;
    try {
      resolveJob({
        image: "i", run: "x", startDir: "rel", secrets: { "a-b": "v" }, outputLimit: 0,
        artifacts: { dir: "/", limit: -1 },
      });
    } catch (e) {
      caught = e;
    }
    const problems = (caught as InputError).problems.join("\n");
    expect(problems).toMatch(/startDir: must be an absolute path/);
    expect(problems).toMatch(/secrets.a-b: is not a valid variable name/);
    expect(problems).toMatch(/outputLimit: must be a positive integer/);
    expect(problems).toMatch(/artifacts.dir: must be an absolute path other than \//);
    expect(problems).toMatch(/artifacts.limit: must be a whole number of bytes/);
  });

  it("gives the job its env and secrets, a secret winning; hides only non-empty values", () => {
    const job = resolveJob({ image: "i", run: "x", env: { A: "1", TOKEN: "plain" }, secrets: { TOKEN: "s3cret", EMPTY: "" } });
    expect(jobEnv(job)).toEqual({ A: "1", TOKEN: "s3cret", EMPTY: "" });
    expect(secretValues(job)).toEqual(["s3cret"]);
  });

  it("reports every bad field at once, naming the place", () => {
    let caught: unknown;
    try {
      resolveJob({ image: "", run: " ", timeout: -1, attempts: 1.5, workdir: "rel", memory: 1000, env: { "1x": "v" } }, "gatebox.yaml: jobs.unit");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    const problems = (caught as InputError).problems;
    expect(problems).toHaveLength(7);
    for (const p of problems) expect(p.startsWith("gatebox.yaml: jobs.unit: ")).toBe(true);
    expect(problems.join("\n")).toMatch(/image: must be a non-empty string/);
    expect(problems.join("\n")).toMatch(/timeout: must be a positive number, got -1/);
    expect(problems.join("\n")).toMatch(/attempts: must be a positive integer, got 1.5/);
    expect(problems.join("\n")).toMatch(/workdir: must be an absolute path/);
    expect(problems.join("\n")).toMatch(/memory: must be at least 6 MiB/);
    expect(problems.join("\n")).toMatch(/env.1x: is not a valid variable name/);
  });
});

describe("describeExit", () => {
  it("maps exits to results; OOM is the job's failure", () => {
    expect(describeExit({ exitCode: 0, oomKilled: false }, {})).toEqual({ result: "SUCCESS", message: "exit 0" });
    expect(describeExit({ exitCode: 2, oomKilled: false }, {})).toEqual({ result: "FAILURE", message: "exit 2" });
    const oom = describeExit({ exitCode: 137, oomKilled: true }, { memory: 8388608 });
    expect(oom.result).toBe("FAILURE");
    expect(oom.message).toBe("killed: out of memory (limit 8388608 bytes), exit 137");
  });

  it("backs off between attempts, capped", () => {
    expect([2, 3, 4, 40].map(retryDelay)).toEqual([2000, 4000, 6000, 30000]);
  });
});
