import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { MAX_LISTED } from "../../../src/config/problems.ts";
import { loadYaml } from "../../../src/config/yaml-source.ts";
import { InputError } from "../../../src/errors.ts";
import { accepted, problems, withValues } from "./support.ts";

/** The error parseConfig throws (it must throw an InputError and nothing else). */
function refusal(text: string): InputError {
  try {
    parseConfig("gatebox.yaml", text);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error("expected the config to be refused");
}

const gerrit = "connections:\n  gerrit: {url: https://r.example.org, user: ci, password: {env: PW}}\n";
const independent = (name: string) => `  - {name: ${name}, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}\n`;

describe("YAML aliases", () => {
  it("names an alias without an anchor, and one inside the value it names, with their lines", () => {
    expect(problems("web: {}\npipelines: *nope\n")).toEqual(["gatebox.yaml:2: pipelines: alias *nope names no anchor: &nope must come before it"]);
    expect(problems("jobs: &x [*x]\n")).toEqual(["gatebox.yaml:1: jobs[0]: alias *x is inside the value it names"]);
  });

  it("takes a list of a thousand aliases, and refuses a billion laughs at once", () => {
    const many = `${gerrit}jobs: &jobs\n  - {name: unit, image: b, run: x}\nx: [${Array(1000).fill("*jobs").join(", ")}]\n`;
    expect(problems(many)).toEqual(["gatebox.yaml:5: x: unknown key"]);
    let bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i <= 9; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]\n`;
    const t0 = performance.now();
    expect(problems(bomb)[0]).toMatch(/^gatebox\.yaml:\d+: a\d\[\d\]: the document expands to more than 1000000 values through its aliases$/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("refuses nesting past 64 levels, also through aliases", () => {
    expect(problems(`jobs: ${"[".repeat(100)}${"]".repeat(100)}\n`)[0]).toMatch(/nested deeper than 64 levels/);
    const deep = `a: &a ${"[".repeat(40)}${"]".repeat(40)}\nb: ${"[".repeat(40)}*a${"]".repeat(40)}\n`;
    expect(problems(deep)[0]).toMatch(/^gatebox\.yaml:2: .*nested deeper than 64 levels \(through alias \*a\)/);
  });
});

describe("prototype keys", () => {
  it("refuses __proto__ as a key anywhere, and nothing inherits from it", () => {
    expect(problems("__proto__: {polluted: 1}\nsecrets:\n  __proto__: {env: X}\n")).toEqual([
      "gatebox.yaml:1: __proto__: cannot be a key (it would change what every value inherits)",
      "gatebox.yaml:3: secrets.__proto__: cannot be a key (it would change what every value inherits)",
    ]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("takes pipelines named like Object's methods, whether a project lists them or not", () => {
    const text = `${gerrit}pipelines:\n${independent("constructor")}${independent("toString")}${independent("__proto__")}
jobs:\n  - {name: publish, image: b, run: x, secrets: [TOKEN]}\n  - {name: hasOwnProperty, image: b, run: x}
secrets: {TOKEN: {env: T}}
projects:\n  - {name: a, toString: {jobs: [hasOwnProperty]}}\n  - {name: b}\n`;
    const config = accepted(text);
    expect(config.projects[0]?.pipelines.get("toString")?.jobs).toEqual(["hasOwnProperty"]);
    expect([...(config.projects[1]?.pipelines.keys() ?? [])]).toEqual([]);
    expect(problems(text.replace("{name: b}", "{name: b, constructor: {jobs: [publish]}}"))).toEqual([
      expect.stringMatching(/^gatebox\.yaml:14: projects\[1\]\.constructor\.jobs\[0\]: job 'publish' uses secrets/),
    ]);
  });

  it("refuses a pipeline named like a project's own setting", () => {
    expect(problems(`${gerrit}pipelines:\n${independent("templates")}`)).toEqual([
      "gatebox.yaml:4: pipelines[0].name: cannot be 'templates': projects use that key for their own templates",
    ]);
  });
});

describe("one run lists every problem", () => {
  it("lists schema problems and unknown names, templates, executors and bad regexes together", () => {
    const text = withValues({ job: "timeout: soon\n    executor: nowhere", pipeline: "precedence: urgent" })
      .replace("{jobs: [unit]}", "{jobs: [unit, nope]}\n    templates: [missing]")
      .replace("approval: {Workflow: 1}}", "approval: {Workflow: 1}, comment: '('}");
    const found = problems(text);
    expect(found).toEqual([
      expect.stringMatching(/^gatebox\.yaml:12: pipelines\[0\]\.trigger\.gerrit\[0\]\.comment: invalid regular expression/),
      expect.stringMatching(/^gatebox\.yaml:13: pipelines\[0\]\.precedence: /),
      expect.stringMatching(/^gatebox\.yaml:18: jobs\[0\]\.timeout: expected a duration/),
      "gatebox.yaml:19: jobs[0].executor: unknown executor 'nowhere'",
      "gatebox.yaml:25: projects[0].gate.jobs[1]: unknown job 'nope'",
      "gatebox.yaml:26: projects[0].templates[0]: unknown project-template 'missing'",
    ]);
  });

  it("does not call a job with a mistake in it unknown where it is listed", () => {
    const found = problems(withValues({ job: "memory: lots" }));
    expect(found).toEqual([expect.stringMatching(/^gatebox\.yaml:18: jobs\[0\]\.memory: /)]);
  });

  it("suggests the key or name that was meant", () => {
    expect(problems(withValues({ gerrit: ["20s\n    poll_interval: 30s"] }))).toEqual([
      "gatebox.yaml:7: connections.gerrit.poll_interval: unknown key; did you mean poll-interval?",
    ]);
    expect(problems(withValues({ job: "timout: 1h" }))).toEqual(["gatebox.yaml:18: jobs[0].timout: unknown key; did you mean timeout?"]);
    expect(problems(withValues().replace("gate: {jobs: [unit]}", "gaet: {jobs: [unti]}"))[0]).toBe(
      "gatebox.yaml:24: projects[0].gaet: unknown pipeline 'gaet'; did you mean gate? (pipelines: gate)",
    );
    expect(problems(withValues().replace("jobs: [unit]", "jobs: [unti]"))[0]).toBe(
      "gatebox.yaml:24: projects[0].gate.jobs[0]: unknown job 'unti'; did you mean unit?",
    );
  });
});

describe("large files", () => {
  const jobs = (n: number) => `jobs:\n${Array.from({ length: n }, (_, i) => `  - {name: j${i}, image: b, run: x, timeout: soon}\n`).join("")}`;

  it("finds the line of any value in constant time, whatever the size of the list", () => {
    const n = 20_000;
    const doc = loadYaml("gatebox.yaml", jobs(n));
    const lines: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) lines.push(doc.lineOf(["jobs", i, "timeout"]));
    // Scanning the list for each line took seconds here (quadratic); the position table takes milliseconds.
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(lines.every((line, i) => line === i + 2)).toBe(true);
  });

  it(`lists the first ${MAX_LISTED} of 20,000 problems, then how many more`, () => {
    const err = refusal(jobs(20_000));
    expect(err.problems).toHaveLength(MAX_LISTED + 1);
    expect(err.problems[0]).toBe("gatebox.yaml:2: jobs[0].timeout: expected a duration like 30m, 90s or 1h30m");
    expect(err.problems.at(-1)).toBe(`… and ${20_000 - MAX_LISTED} more problems (the first ${MAX_LISTED} are listed)`);
    expect(err.message.split("\n")).toHaveLength(MAX_LISTED + 1);
  });

  it("refuses a file over 1 MiB before parsing it, and clips a huge value in a message", () => {
    expect(refusal(`# ${"x".repeat(1024 * 1024)}\n`).message).toBe("gatebox.yaml: the file is 1048579 bytes; gatebox reads YAML files of at most 1 MiB");
    const [line] = problems(`jobs:\n  - {name: j, image: b, run: x, executor: ${"e".repeat(100_000)}}\n`);
    expect(line?.length).toBeLessThan(600);
  });

  it("checks a chain of 15,000 dependencies without overflowing the stack", () => {
    const chain = Array.from({ length: 15_000 }, (_, i) => `  - {name: j${i}, image: b, run: x, dependencies: [j${(i + 1) % 15_000}]}\n`);
    const [cycle] = problems(`jobs:\n${chain.join("")}`);
    expect(cycle).toMatch(/^gatebox\.yaml:2: jobs\[0\]\.dependencies: dependency cycle: j0 -> j1 -> j2 -> /);
  });
});

describe("numbers", () => {
  it("refuses values too large for a number instead of calling them Infinity", () => {
    expect(problems(withValues({ job: `timeout: ${"9".repeat(400)}` }))).toEqual([
      "gatebox.yaml:18: jobs[0].timeout: expected a duration like 30m, 90s or 1h30m",
    ]);
    expect(problems(withValues({ job: `memory: ${"9".repeat(400)}g` }))).toEqual(["gatebox.yaml:18: jobs[0].memory: expected a size like 512m or 2g"]);
    expect(problems(withValues({ job: "attempts: .inf" }))[0]).toMatch(/^gatebox\.yaml:18: jobs\[0\]\.attempts: /);
  });
});
