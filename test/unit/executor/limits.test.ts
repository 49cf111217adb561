import { describe, expect, it } from "vitest";
import { resolveJob } from "../../../src/executor/job.ts";
import { withDefaultLimits } from "../../../src/executor/limits.ts";
import { LimitedOutput } from "../../../src/executor/output-limit.ts";
import type { RunOutput } from "../../../src/executor/runner.ts";

const GIB = 1024 ** 3;

describe("withDefaultLimits", () => {
  it("gives a job without limits the engine's totals divided by the capacity", () => {
    const job = withDefaultLimits(resolveJob({ image: "i", run: "x" }), { memory: 16 * GIB, cpus: 8 }, 4);
    expect(job.memory).toBe(4 * GIB);
    expect(job.cpus).toBe(2);
    expect(job.pids).toBe(1024);
  });

  it("keeps a job's own limits, and floors the shares at what an engine accepts", () => {
    const own = resolveJob({ image: "i", run: "x", memory: 64 * 1024 * 1024, cpus: 0.5 });
    expect(withDefaultLimits(own, { memory: 16 * GIB, cpus: 8 }, 4)).toEqual(own);
    const tiny = withDefaultLimits(resolveJob({ image: "i", run: "x" }), { memory: 10 * 1024 * 1024, cpus: 1 }, 1000);
    expect(tiny.memory).toBe(6 * 1024 * 1024);
    expect(tiny.cpus).toBe(0.1);
    expect(withDefaultLimits(resolveJob({ image: "i", run: "x" }), { memory: 0, cpus: 3 }, 2)).toMatchObject({ memory: undefined, cpus: 1.5 });
  });

  it("changes nothing for a runner that isolates nothing", () => {
    const job = resolveJob({ image: "i", run: "x" });
    expect(withDefaultLimits(job, null, 4)).toBe(job);
  });
});

describe("LimitedOutput", () => {
  it("passes output up to the limit, then reports it once and drops the rest", async () => {
    const got: string[] = [];
    const target: RunOutput = {
      stdout: (c) => got.push(`o:${Buffer.from(c)}`),
      stderr: (c) => got.push(`e:${Buffer.from(c)}`),
      info: (l) => got.push(`i:${l}`),
    };
    const out = new LimitedOutput(target, 10);
    let fired = 0;
    void out.exceeded.then(() => fired++);
    out.stdout(Buffer.from("12345"));
    out.stderr(Buffer.from("678"));
    expect(out.isExceeded).toBe(false);
    out.stdout(Buffer.from("9abcdef"));
    out.stdout(Buffer.from("more"));
    out.info("still shown");
    expect(await out.exceeded).toBe("output-limit");
    expect(fired).toBe(1);
    expect(out.bytes).toBe(19);
    expect(got).toEqual(["o:12345", "e:678", "o:9a", "i:still shown"]);
  });
});
