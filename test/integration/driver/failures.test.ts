import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { restoreDriver } from "../../../src/driver/restore.ts";
import { InfraError } from "../../../src/errors.ts";
import type { BuildHandle, BuildRequest } from "../../../src/executor/executor.ts";
import type { BuildRunner } from "../../../src/executor/pool.ts";
import { MergeConflictError } from "../../../src/merger/errors.ts";
import type { Merger } from "../../../src/merger/merger.ts";
import type { RepoState } from "../../../src/merger/types.ts";
import type { Change } from "../../../src/scheduler/types.ts";
import type { Reporter, ReportCommand } from "../../../src/sources/source.ts";
import { openDatabase, type OpenStore } from "../../../src/store/db.ts";
import { Journal } from "../../../src/store/journal.ts";

// Whose fault: the driver on its real store and scheduler, with git, Docker and Gerrit faked to
// fail in the ways the infrastructure does. None of it may be voted against the change, and every
// build must end (its executor slot freed), whatever threw.

const config = parseConfig(
  "failures.yaml",
  `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: X}}}
pipelines:
  - name: check
    manager: independent
    trigger: {gerrit: [{event: patchset-created}]}
    success: {gerrit: {labels: {Verified: 1}}}
    failure: {gerrit: {labels: {Verified: -1}}}
jobs: [{name: unit, image: i, run: unit}]
projects: [{name: p, check: {jobs: [unit]}}]
`,
);

const change: Change = {
  id: "7",
  project: "p",
  branch: "main",
  dependsOn: [],
  meta: { number: 7, patchset: 1, changeId: "I7", revision: "r7", ref: "refs/changes/07/7/1", url: "", subject: "s", owner: "o" },
};

const state: RepoState = { p: { branch: "main", commit: "c", tree: "t" } };

function merger(overrides: Partial<Merger> = {}): Merger {
  return {
    merge: async () => state,
    prepareWorkspace: async (s, name) => ({ dir: `/ws/${name}`, state: s, projects: {}, strategy: "archive" }),
    removeWorkspace: async () => {},
    workspaceTar: () => Readable.from([""]),
    verifyTree: async () => ({ branch: "main", commit: "c", tree: "t" }),
    gc: async () => 0,
    close: async () => {},
    ...overrides,
  };
}

function runner(startBuild: (req: BuildRequest) => BuildHandle): BuildRunner {
  return { startBuild, reattach: async () => null, cleanupOrphans: async () => [] };
}

const succeeding = runner((req) => ({
  buildId: req.buildId,
  outcome: Promise.resolve({ buildId: req.buildId, result: "SUCCESS", exitCode: 0, attempts: 1, message: "exit 0", infraErrors: [], startedAt: 0, finishedAt: 1, logPath: "", artifacts: [], artifactsDropped: 0 }),
  cancel: async () => {},
}));

const stores: OpenStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** Runs one check item to its report; the reports the change got. */
async function runCheck(m: Merger, r: BuildRunner): Promise<{ reports: ReportCommand[]; running: number; log: string[] }> {
  const store = openDatabase(":memory:");
  stores.push(store);
  const reports: ReportCommand[] = [];
  const reporter: Reporter = {
    start: async () => {},
    report: async (_p, report) => {
      reports.push(report);
      return null;
    },
  };
  const log: string[] = [];
  const { driver, core } = restoreDriver({
    config,
    journal: new Journal(store.db),
    merger: m,
    executor: r,
    reporter,
    capacity: 2,
    log: (l) => log.push(l),
    retryDelay: () => 1,
  });
  driver.submit({ type: "enqueue", pipeline: "check", change });
  for (let i = 0; i < 500 && reports.length === 0; i++) {
    await driver.settled();
    await Bun.sleep(2);
  }
  await driver.settled();
  return { reports, running: core.view().running, log };
}

describe("whose fault", () => {
  it("a git fetch that keeps failing is retried, then reported as an error without a vote (not a merge conflict)", async () => {
    let tries = 0;
    const m = merger({
      merge: async () => {
        tries++;
        throw new InfraError("cannot fetch p from http://gerrit/a/p: HTTP 500");
      },
    });
    const { reports } = await runCheck(m, succeeding);
    expect(tries).toBe(5);
    expect(reports.map((r) => r.result)).toEqual(["error"]);
    expect(reports[0]?.reason).toContain("cannot fetch p");
  });

  it("a fetch that fails once and then works is not reported at all until the build ran", async () => {
    let tries = 0;
    const m = merger({
      merge: async () => {
        if (++tries === 1) throw new InfraError("connection reset");
        return state;
      },
    });
    const { reports } = await runCheck(m, succeeding);
    expect(reports.map((r) => r.result)).toEqual([1]);
  });

  it("a merge conflict is still the change's fault", async () => {
    const m = merger({
      merge: async () => {
        const ref = { project: "p", branch: "main", number: 7, patchset: 1 };
        throw new MergeConflictError(ref, ["a.txt"], undefined, [], "conflict");
      },
    });
    const { reports } = await runCheck(m, succeeding);
    expect(reports.map((r) => r.result)).toEqual(["merge-conflict"]);
  });

  it("a build whose start throws ends as ERROR, frees its slot and is reported without a vote", async () => {
    const r = runner(() => {
      throw new Error("cannot open the console: EACCES");
    });
    const { reports, running, log } = await runCheck(merger(), r);
    expect(reports.map((x) => x.result)).toEqual(["error"]);
    expect(reports[0]?.jobs.map((j) => j.status)).toEqual(["ERROR"]);
    expect(running).toBe(0);
    expect(log.join("\n")).toContain("not the change's fault");
  });

  it("a workspace that cannot be made is retried, then the build ends as ERROR", async () => {
    let tries = 0;
    const m = merger({
      prepareWorkspace: async () => {
        tries++;
        throw new InfraError("No space left on device");
      },
    });
    const { reports, running } = await runCheck(m, succeeding);
    expect(tries).toBe(5);
    expect(reports.map((x) => x.result)).toEqual(["error"]);
    expect(running).toBe(0);
  });
});
