import { parseConfig } from "../../../src/config/load.ts";
import type { GateboxConfig } from "../../../src/config/model.ts";
import { InputError } from "../../../src/errors.ts";

/** Every problem gatebox.yaml `text` is refused with; fails the test when it is accepted. */
export function problems(text: string): string[] {
  try {
    parseConfig("gatebox.yaml", text);
  } catch (err) {
    if (err instanceof InputError) return [...err.problems];
    throw err;
  }
  throw new Error("expected the config to be refused");
}

export function accepted(text: string): GateboxConfig {
  return parseConfig("gatebox.yaml", text);
}

/**
 * A valid config with a slot per section to vary. Line numbers are fixed: the gerrit settings on
 * 6-8, the pipeline's slot on 13, the job's on 18, the executor's on 21 (a slot may hold more lines,
 * indented by four spaces).
 */
export function withValues(v: { gerrit?: string[]; pipeline?: string; job?: string; executor?: string } = {}): string {
  const [poll = "20s", sweep = "10m", timeout = "30s"] = v.gerrit ?? [];
  return `connections:
  gerrit:
    url: https://review.example.org
    user: ci
    password: {env: PW}
    poll-interval: ${poll}
    full-sweep-interval: ${sweep}
    timeout: ${timeout}
pipelines:
  - name: gate
    manager: dependent
    trigger: {gerrit: [{event: comment-added, approval: {Workflow: 1}}]}
    ${v.pipeline ?? "precedence: normal"}
jobs:
  - name: unit
    image: busybox
    run: make test
    ${v.job ?? "voting: true"}
executors:
  - name: e
    ${v.executor ?? "type: docker"}
projects:
  - name: org/a
    gate: {jobs: [unit]}
`;
}
