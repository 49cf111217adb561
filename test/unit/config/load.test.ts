import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig, parseConfig } from "../../../src/config/load.ts";
import { resolveSecret } from "../../../src/config/secrets.ts";
import { problems } from "./support.ts";

const root = join(import.meta.dirname, "../../..");
const example = readFileSync(join(root, "examples/gatebox.yaml"), "utf8");


const minimal = `
connections:
  gerrit:
    url: https://review.example.org
    user: ci
    password: {env: PW}
pipelines:
  - name: gate
    manager: dependent
    trigger:
      gerrit:
        - event: comment-added
          approval: {Workflow: 1}
jobs:
  - name: unit
    image: busybox
    run: make test
projects:
  - name: org/a
    gate:
      jobs: [unit]
`;

describe("config", () => {
  it("accepts the shipped example and resolves templates, queues and units", () => {
    const config = parseConfig("examples/gatebox.yaml", example);
    expect(config.pipelines.map((p) => p.name)).toEqual(["check", "gate", "post"]);
    expect(config.jobs.get("unit")?.timeout).toBe(1800);
    expect(config.jobs.get("unit")?.memory).toBe(2 * 1024 ** 3);
    const project = config.projects.find((p) => p.name === "org/project");
    expect(project?.pipelines.get("gate")).toEqual({
      jobs: ["lint", "unit", "integration"],
      queue: "integrated",
      failFast: false,
    });
    expect(project?.pipelines.get("check")?.jobs).toEqual(["lint", "unit", "experimental"]);
    expect(config.jobs.get("experimental")?.voting).toBe(false);
    expect(config.gerrit?.pollInterval).toBe(20);
    // Jobs run the repository's scripts from its checkout; secrets only where code was reviewed.
    expect(config.jobs.get("unit")?.run).toContain("sh ./ci.sh unit");
    expect(config.secrets.get("DOCS_TOKEN")).toMatchObject({ env: "DOCS_UPLOAD_TOKEN" });
    expect(config.jobs.get("publish-docs")).toMatchObject({ secrets: ["DOCS_TOKEN"], network: "bridge" });
    expect(config.pipelines.map((p) => [p.name, p.postReview])).toEqual([
      ["check", false],
      ["gate", true],
      ["post", true],
    ]);
  });

  it("names file, line and field for a wrong type", () => {
    const text = minimal.replace("run: make test", "run: make test\n    timeout: soon");
    expect(problems(text)).toEqual(["gatebox.yaml:18: jobs[0].timeout: expected a duration like 30m, 90s or 1h30m"]);
  });

  it("reports every problem at once, in file order", () => {
    const text = minimal.replace("manager: dependent", "manager: fancy").replace("run: make test", "run: make test\n    pids: many");
    const found = problems(text);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^gatebox\.yaml:9: pipelines\[0\]\.manager: /);
    expect(found[1]).toMatch(/^gatebox\.yaml:18: jobs\[0\]\.pids: /);
    // Cross-field rules run once the shapes are right, and also list every problem.
    const refs = problems(minimal.replace("jobs: [unit]", "jobs: [unit, nope, nada]"));
    expect(refs).toEqual([
      "gatebox.yaml:21: projects[0].gate.jobs[1]: unknown job 'nope'",
      "gatebox.yaml:21: projects[0].gate.jobs[2]: unknown job 'nada'",
    ]);
  });

  it("refuses unknown keys, unknown pipelines, duplicate names and dependency cycles", () => {
    const text = `${minimal.replace("run: make test", "run: make test\n    dependencies: [lint]\n    colour: red")}
  - name: org/b
    gaet:
      jobs: [unit]
`.replace("jobs:\n  - name: unit", "jobs:\n  - name: lint\n    image: b\n    run: x\n    dependencies: [unit]\n  - name: unit");
    const found = problems(text).join("\n");
    expect(found).toMatch(/jobs\[1\]\.colour: unknown key/);
    const cyc = problems(text.replace('    colour: red\n', "")).join("\n");
    expect(cyc).toMatch(/dependency cycle: (lint -> unit -> lint|unit -> lint -> unit)/);
    expect(cyc).toMatch(/projects\[1\]\.gaet: unknown pipeline 'gaet'/);
  });

  it("refuses YAML syntax errors and duplicate keys with a line", () => {
    expect(problems("jobs:\n  - name: a\n  name: b\n  : x\n")[0]).toMatch(/^gatebox\.yaml:\d+: /);
    expect(problems("web: {}\nweb: {}\n")[0]).toMatch(/^gatebox\.yaml:2: .*unique/);
  });

  it("runs on defaults with no file", () => {
    const config = defaultConfig();
    expect(config.gerrit).toBeNull();
    expect(config.web.listen).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(config.dataDir.endsWith(".gatebox")).toBe(true);
  });

  it("keeps secrets out of printed and serialized config", () => {
    const secret = resolveSecret({ env: "PW" }, "connections.gerrit.password", { PW: "hunter2" });
    expect(secret.reveal()).toBe("hunter2");
    expect(String(secret)).toBe("***");
    expect(JSON.stringify({ secret })).not.toContain("hunter2");
    expect(() => resolveSecret({ env: "MISSING" }, "connections.gerrit.password", {})).toThrow(
      "connections.gerrit.password: environment variable MISSING is not set",
    );
  });
});

it("puts workspaces under the data directory unless told otherwise", () => {
  const base = parseConfig("w.yaml", "data-dir: /srv/gatebox\n");
  expect(base.workspaceDir).toBe("/srv/gatebox/workspaces");
  expect(parseConfig("w.yaml", "data-dir: /srv/gatebox\nworkspace-dir: /dev/shm/gatebox\n").workspaceDir).toBe("/dev/shm/gatebox");
});
