import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../../src/config/load.ts";
import { accepted, problems } from "./support.ts";

/** The operations keys: `retention:` and timer triggers. */

const DAY = 86400;
const GIB = 1024 ** 3;

function periodic(trigger: string, manager = "independent"): string {
  return `pipelines:
  - name: periodic
    manager: ${manager}
    trigger: ${trigger}
jobs: [{name: unit, image: busybox, run: make}]
projects: [{name: org/a, branch: stable, periodic: {jobs: [unit]}}]
connections: {gerrit: {url: "https://review.example.org", user: ci, password: {env: PW}}}
`;
}

describe("retention", () => {
  it("defaults to build records for 180 days, logs for 30 days and 20 GiB of logs", () => {
    expect(defaultConfig().retention).toEqual({ builds: 180 * DAY, logs: 30 * DAY, logsSize: 20 * GIB });
    expect(accepted("retention: {builds: 90d}\n").retention).toEqual({ builds: 90 * DAY, logs: 30 * DAY, logsSize: 20 * GIB });
  });

  it("reads durations and sizes with units", () => {
    expect(accepted("retention: {builds: 365d, logs: 2w, logs-size: 500m}\n".replace("2w", "14d")).retention).toEqual({
      builds: 365 * DAY,
      logs: 14 * DAY,
      logsSize: 500 * 1024 ** 2,
    });
  });

  it("refuses unknown keys, values without sense, and says where", () => {
    expect(problems("retention: {build: 90d}\n")).toEqual([expect.stringMatching(/^gatebox\.yaml:1: retention.*build/)]);
    expect(problems("retention: {logs-size: 1k}\n")[0]).toMatch(/gatebox\.yaml:1: retention\.logs-size: must be between 64 MiB and/);
    expect(problems("retention: {builds: 1h}\n")[0]).toMatch(/retention\.builds: must be between 1d and/);
    expect(problems("retention: {logs: forever}\n")[0]).toMatch(/retention\.logs: expected a duration/);
  });
});

describe("timer triggers", () => {
  it("are read as cron expressions, alone or beside gerrit events", () => {
    const p = accepted(periodic(`{timer: [{cron: "0 3 * * *"}, {cron: "@weekly"}]}`)).pipelines[0]!;
    expect(p.timers).toEqual([{ cron: "0 3 * * *" }, { cron: "@weekly" }]);
    expect(p.triggers).toEqual([]);
    const both = accepted(periodic(`{gerrit: [{event: patchset-created}], timer: [{cron: "30 2 * * 1-5"}]}`)).pipelines[0]!;
    expect(both.triggers.map((t) => t.event)).toEqual(["patchset-created"]);
    expect(both.timers).toEqual([{ cron: "30 2 * * 1-5" }]);
  });

  it("a pipeline without timers has none", () => {
    expect(accepted(periodic("{gerrit: [{event: patchset-created}]}")).pipelines[0]!.timers).toEqual([]);
  });

  it("refuses a cron expression that is not one, with its line", () => {
    expect(problems(periodic(`{timer: [{cron: "0 3 * *"}]}`))).toEqual([
      expect.stringMatching(/^gatebox\.yaml:4: pipelines\[0\]\.trigger\.timer\[0\]\.cron: expected 5 fields .*got 4/),
    ]);
    expect(problems(periodic(`{timer: [{cron: "0 25 * * *"}]}`))[0]).toMatch(/trigger\.timer\[0\]\.cron: not a cron expression/);
    expect(problems(periodic(`{timer: [{at: "0 3 * * *"}]}`))[0]).toMatch(/trigger\.timer\[0\]/);
  });

  it("needs an independent pipeline, and a pipeline needs some trigger", () => {
    expect(problems(periodic(`{timer: [{cron: "0 3 * * *"}]}`, "dependent"))[0]).toMatch(
      /pipelines\[0\]\.trigger\.timer: a timer trigger needs manager: independent/,
    );
    expect(problems(periodic("{}"))[0]).toMatch(/pipelines\[0\]\.trigger: give at least one trigger/);
  });
});
