import { describe, expect, it } from "vitest";
import { accepted, problems, withValues } from "./support.ts";

// Every duration, size and count of gatebox.yaml is checked against a sane range when the file is
// loaded: the bad value is refused naming file:line and field, the boundary values are accepted.

const MIB = 1024 ** 2;

describe("job bounds", () => {
  const job = (line: string) => withValues({ job: line });

  it.each([
    ["timeout: 30d", "timeout: must be between 1s and 7d, got 30d"],
    ["timeout: 0", "timeout: must be between 1s and 7d, got 0s"],
    ["timeout: 500ms", "timeout: must be between 1s and 7d, got 500ms"],
    ["memory: 1k", "memory: must be between 6 MiB and 1 TiB, got 1 KiB"],
    ["memory: 6291455", "memory: must be between 6 MiB and 1 TiB, got 5.99 MiB"],
    ["memory: 2t", "memory: must be between 6 MiB and 1 TiB, got 2 TiB"],
    ["cpus: 0", "cpus: must be between 0.01 and 1024, got 0"],
    ["cpus: -1", "cpus: must be between 0.01 and 1024, got -1"],
    ["cpus: 1025", "cpus: must be between 0.01 and 1024, got 1025"],
    ["pids: 15", "pids: must be between 16 and 4194304, got 15"],
    ["pids: 1.5", "pids: must be a whole number, got 1.5"],
    ["attempts: 0", "attempts: must be between 1 and 10, got 0"],
    ["attempts: 11", "attempts: must be between 1 and 10, got 11"],
    ["output-limit: 1023k", "output-limit: must be between 1 MiB and 100 GiB, got 1023 KiB"],
    ["output-limit: 101g", "output-limit: must be between 1 MiB and 100 GiB, got 101 GiB"],
    ["output-limit: lots", "output-limit: expected a size like 512m or 2g"],
    ["artifact-limit: 11g", "artifact-limit: must be between 0 bytes and 10 GiB, got 11 GiB"],
    ["artifact-limit: -1", "artifact-limit: expected a size like 512m or 2g"],
  ])("refuses %s", (line, message) => {
    expect(problems(job(line))).toEqual([`gatebox.yaml:18: jobs[0].${message}`]);
  });

  it("accepts the boundary values", () => {
    const unit = (line: string) => accepted(job(line)).jobs.get("unit");
    expect(unit("timeout: 1s")?.timeout).toBe(1);
    expect(unit("timeout: 7d")?.timeout).toBe(7 * 86400);
    expect(unit("memory: 6m")?.memory).toBe(6 * MIB);
    expect(unit("memory: 1t")?.memory).toBe(1024 ** 4);
    expect(unit("cpus: 0.01")?.cpus).toBe(0.01);
    expect(unit("cpus: 1024")?.cpus).toBe(1024);
    expect(unit("pids: 16")?.pids).toBe(16);
    expect(unit("attempts: 1")?.attempts).toBe(1);
    expect(unit("attempts: 10")?.attempts).toBe(10);
    expect(unit("output-limit: 1m")?.outputLimit).toBe(MIB);
    expect(unit("output-limit: 100g")?.outputLimit).toBe(100 * 1024 ** 3);
    expect(unit("artifact-limit: 0")?.artifactLimit).toBe(0);
    expect(unit("artifact-limit: 10g")?.artifactLimit).toBe(10 * 1024 ** 3);
  });

  it("limits a job's output to 256m and its artifacts to 100m unless told", () => {
    expect(accepted(job("voting: true")).jobs.get("unit")).toMatchObject({ outputLimit: 256 * MIB, artifactLimit: 100 * MIB });
  });

  it("refuses environment variable names the executor would refuse at build time", () => {
    expect(problems(job("env: {1X: v}"))[0]).toMatch(/^gatebox\.yaml:18: jobs\[0\]\.env\.1X: .*not a valid environment variable name/);
  });
});

describe("Gerrit connection bounds", () => {
  const gerrit = (poll: string, sweep: string, timeout: string) => withValues({ gerrit: [poll, sweep, timeout] });

  it.each([
    [["0", "10m", "30s"], "6: connections.gerrit.poll-interval: must be between 1s and 1h, got 0s"],
    [["2h", "1d", "30s"], "6: connections.gerrit.poll-interval: must be between 1s and 1h, got 2h"],
    [["20s", "2d", "30s"], "7: connections.gerrit.full-sweep-interval: must be between 1s and 1d, got 2d"],
    [["10s", "5s", "30s"], "7: connections.gerrit.full-sweep-interval: must be at least poll-interval (10s), got 5s"],
    [["20s", "10m", "0"], "8: connections.gerrit.timeout: must be between 1s and 10m, got 0s"],
    [["20s", "10m", "11m"], "8: connections.gerrit.timeout: must be between 1s and 10m, got 11m"],
  ])("refuses %j", ([poll, sweep, timeout], message) => {
    expect(problems(gerrit(poll as string, sweep as string, timeout as string))).toEqual([`gatebox.yaml:${message}`]);
  });

  it("accepts the boundary values", () => {
    expect(accepted(gerrit("1s", "1s", "1s")).gerrit).toMatchObject({ pollInterval: 1, fullSweepInterval: 1, timeout: 1 });
    expect(accepted(gerrit("1h", "1d", "10m")).gerrit).toMatchObject({ pollInterval: 3600, fullSweepInterval: 86400, timeout: 600 });
  });

  it("says when the full sweep at fault is the default one", () => {
    const text = withValues({ gerrit: ["1h"] }).replace("    full-sweep-interval: 10m\n", "");
    expect(problems(text)).toEqual([
      "gatebox.yaml:2: connections.gerrit.full-sweep-interval: must be at least poll-interval (1h), got 10m (the default)",
    ]);
  });
});

describe("executor and web bounds", () => {
  it.each([
    ["capacity: 0", "capacity: must be between 1 and 1000, got 0"],
    ["capacity: 1001", "capacity: must be between 1 and 1000, got 1001"],
  ])("refuses %s", (line, message) => {
    expect(problems(withValues({ executor: `type: docker\n    ${line}` }))).toEqual([`gatebox.yaml:22: executors[0].${message}`]);
  });

  it("accepts capacities 1 and 1000", () => {
    expect(accepted(withValues({ executor: "type: docker\n    capacity: 1" })).executors[0]?.capacity).toBe(1);
    expect(accepted(withValues({ executor: "type: docker\n    capacity: 1000" })).executors[0]?.capacity).toBe(1000);
  });

  it("refuses a port out of range", () => {
    expect(problems("web: {listen: '127.0.0.1:99999'}\n")).toEqual(["gatebox.yaml:1: web.listen: the port must be between 1 and 65535, got 99999"]);
    expect(problems("web: {console-listen: '127.0.0.1:0'}\n")).toEqual([
      "gatebox.yaml:1: web.console-listen: the port must be between 1 and 65535, got 0",
    ]);
    expect(accepted("web: {listen: '127.0.0.1:65535'}\n").web.listen.port).toBe(65535);
  });
});

describe("window bounds", () => {
  const pipeline = (lines: string) => withValues({ pipeline: lines.replaceAll("\n", "\n    ") });

  it.each([
    ["window: -1", "window: must be between 0 and 1000, got -1"],
    ["window: 1001", "window: must be between 0 and 1000, got 1001"],
    ["window-floor: 0", "window-floor: must be between 1 and 1000, got 0"],
    ["window-ceiling: 0", "window-ceiling: must be between 1 and 1000, got 0"],
    ["window-increase-factor: 0", "window-increase-factor: must be between 1 and 1000, got 0"],
    ["window-decrease-factor: 1.5", "window-decrease-factor: must be a whole number, got 1.5"],
    ["window: 2", "window: must be at least window-floor (3), or 0 for no limit"],
    ["window-ceiling: 10", "window: must be at most window-ceiling (10)"],
    ["window-ceiling: 2", "window-ceiling: must be at least window-floor (3)"],
    ["window-increase-type: exponential", "window-increase-factor: must be at least 2 with exponential increase, got 1"],
    ["window-decrease-factor: 1", "window-decrease-factor: must be at least 2 with exponential decrease, got 1"],
  ])("refuses %s", (line, message) => {
    expect(problems(pipeline(line))).toEqual([expect.stringMatching(/^gatebox\.yaml:\d+: pipelines\[0\]\./)]);
    expect(problems(pipeline(line))[0]).toContain(`pipelines[0].${message}`);
  });

  it("accepts the boundary values", () => {
    const window = (lines: string) => accepted(pipeline(lines)).pipelines[0]?.window;
    expect(window("window: 0")?.window).toBe(0);
    expect(window("window: 1000")?.window).toBe(1000);
    expect(window("window: 3\nwindow-ceiling: 3")).toMatchObject({ window: 3, floor: 3, ceiling: 3 });
    expect(window("window-increase-type: exponential\nwindow-increase-factor: 2")?.increaseFactor).toBe(2);
    expect(window("window-decrease-type: linear\nwindow-decrease-factor: 1")?.decreaseFactor).toBe(1);
  });
});
