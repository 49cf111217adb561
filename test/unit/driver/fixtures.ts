import { parseConfig } from "../../../src/config/load.ts";
import type { GateboxConfig } from "../../../src/config/model.ts";
import type { TriggerEvent } from "../../../src/sources/source.ts";

/** check (new patchset, recheck), gate (Workflow +1, needs Code-Review +2), post (merged); `projects` is YAML. */
export function driverConfig(projects: string): GateboxConfig {
  return parseConfig(
    "t.yaml",
    `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: X}}}
pipelines:
  - name: check
    manager: independent
    trigger: {gerrit: [{event: patchset-created}, {event: comment-added, comment: '^\\s*recheck\\s*$'}]}
  - name: gate
    manager: dependent
    trigger: {gerrit: [{event: comment-added, approval: {Workflow: 1}}]}
    require: {gerrit: {approvals: {Code-Review: 2, Workflow: 1}}}
  - name: post
    manager: independent
    trigger: {gerrit: [{event: change-merged}]}
jobs: [{name: unit, image: b, run: x}]
projects:
${projects}
`,
  );
}

/** Change 12, patchset 2 of org/a, depending on change 7; `partial` overrides. */
export function triggerEvent(partial: Partial<TriggerEvent> = {}): TriggerEvent {
  return {
    type: "patchset-created",
    project: "org/a",
    branch: "main",
    updated: "2026-11-24 13:00:00.000000000",
    change: {
      number: 12,
      patchset: 2,
      revision: "a".repeat(40),
      changeId: `I${"b".repeat(40)}`,
      subject: "Add",
      owner: { accountId: 1, name: "Ann" },
      url: "http://127.0.0.1:1/c/org/a/+/12",
      ref: "refs/changes/12/12/2",
      dependsOn: [{ kind: "url", url: "http://127.0.0.1:1/c/org/b/+/7", host: "127.0.0.1", number: 7 }],
    },
    ...partial,
  };
}
