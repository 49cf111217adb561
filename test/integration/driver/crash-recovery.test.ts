import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import type { Driver } from "../../../src/driver/driver.ts";
import { restoreDriver } from "../../../src/driver/restore.ts";
import type { CorePort } from "../../../src/driver/scheduler-port.ts";
import type { BuildHandle, BuildOutcome, BuildRequest } from "../../../src/executor/executor.ts";
import type { BuildRunner } from "../../../src/executor/pool.ts";
import type { Merger } from "../../../src/merger/merger.ts";
import type { RepoState } from "../../../src/merger/types.ts";
import type { Change } from "../../../src/scheduler/types.ts";
import type { Reporter } from "../../../src/sources/source.ts";
import { openDatabase, type OpenStore } from "../../../src/store/db.ts";
import { Journal } from "../../../src/store/journal.ts";
import { events } from "../../../src/store/schema.ts";

// The driver against its real store and scheduler, with fakes for git, Docker and Gerrit, "crashed"
// (abandoned mid-run, as SIGKILL would) after every possible number of handled inputs and started
// again from the store. Whatever the crash point, the outcome must be the one of a run without a
// crash: the same changes merged, in order, each once.

const config = parseConfig(
  "crash.yaml",
  `
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: X}}}
pipelines:
  - name: gate
    manager: dependent
    trigger: {gerrit: [{event: comment-added, approval: {Workflow: 1}}]}
    success: {gerrit: {labels: {Verified: 2}, submit: true}}
    failure: {gerrit: {labels: {Verified: -2}}}
jobs: [{name: unit, image: i, run: unit}, {name: lint, image: i, run: lint}]
projects: [{name: p, gate: {jobs: [unit, lint]}}]
`,
);

/** What lives outside the process and survives the crash: Gerrit's merges and votes. */
class Remote {
  merged: string[] = [];
  submits = 0;
  votes: string[] = [];
}

/** One process's worth of fakes; `dead` makes everything it still has in flight vanish. */
class Process {
  dead = false;
  /** When set, Gerrit refuses every submit with this HTTP status (e.g. 403: no Submit permission). */
  refuseSubmit: number | null = null;
  private pending: (() => void)[] = [];
  constructor(private readonly remote: Remote) {}

  /** Lets every build started so far finish (a tick of the executor's clock). */
  tick(): number {
    const run = this.pending.splice(0);
    for (const f of run) f();
    return run.length;
  }

  merger(): Merger {
    const state = (ids: string) => ({ p: { branch: "main", commit: ids, tree: ids } }) as RepoState;
    return {
      merge: async (req) => state(req.changes.map((c) => c.number).join("+")),
      prepareWorkspace: async (s, name) => ({ dir: `/ws/${name}`, state: s, projects: {}, strategy: "archive" }),
      removeWorkspace: async () => {},
      workspaceTar: (ws) => Readable.from([ws.state.p?.commit ?? ""]),
      verifyTree: async () => ({ branch: "main", commit: "x", tree: "x" }),
      gc: async () => 0,
      close: async () => {},
    };
  }

  runner(): BuildRunner {
    return {
      startBuild: (req: BuildRequest): BuildHandle => {
        let resolve!: (o: BuildOutcome) => void;
        const outcome = new Promise<BuildOutcome>((r) => {
          resolve = r;
        });
        this.pending.push(async () => {
          if (this.dead) return;
          const stream = (await req.workspace?.()) as Readable;
          let ids = "";
          for await (const chunk of stream) ids += String(chunk);
          // Change 2 breaks `unit` (whose script is "unit") in every state that holds it.
          const fails = req.job.run === "unit" && ids.split("+").includes("2");
          resolve({ buildId: req.buildId, result: fails ? "FAILURE" : "SUCCESS", exitCode: fails ? 1 : 0, attempts: 1, message: "", infraErrors: [], startedAt: 0, finishedAt: 0, logPath: "", artifacts: [], artifactsDropped: 0 });
        });
        return { buildId: req.buildId, outcome, cancel: async () => resolve({ buildId: req.buildId, result: "ABORTED", exitCode: null, attempts: 1, message: "", infraErrors: [], startedAt: 0, finishedAt: 0, logPath: "", artifacts: [], artifactsDropped: 0 }) };
      },
      reattach: async () => null, // the containers died with the process
      cleanupOrphans: async () => [],
    };
  }

  reporter(): Reporter {
    return {
      start: async () => {},
      report: async (_p, report) => {
        if (this.dead) return new Promise(() => {});
        this.remote.votes.push(`${report.change.id}:${report.result}`);
        if (!report.submit) return null;
        if (this.refuseSubmit !== null) {
          throw Object.assign(new Error(`Gerrit answered ${this.refuseSubmit} to POST /submit: submit not permitted`), { status: this.refuseSubmit });
        }
        // Like Gerrit (and the Gerrit reporter): a change already merged counts as submitted.
        if (!this.remote.merged.includes(report.change.id)) {
          this.remote.merged.push(report.change.id);
          this.remote.submits += 1;
        }
        return { ok: true };
      },
    };
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function start(store: OpenStore, proc: Process): { driver: Driver; core: CorePort } {
  // The server's own restore path (src/driver/restore.ts), not a copy of it.
  return restoreDriver({
    config,
    journal: new Journal(store.db),
    merger: proc.merger(),
    executor: proc.runner(),
    reporter: proc.reporter(),
    capacity: 10,
    log: (l) => {
      if (process.env.CRASH_DEBUG) console.log(l);
    },
    now: () => 0,
  });
}

const change = (id: string): Change => ({ id, project: "p", branch: "main", dependsOn: [], meta: { number: Number(id), patchset: 1, revision: id, ref: "r", url: "", subject: "", owner: "", changeId: "" } });

async function run(crashAfter: number | null, refuseSubmit: number | null = null): Promise<{ remote: Remote; inputs: number; crashed: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), "gatebox-crash-"));
  dirs.push(dir);
  const store = openDatabase(join(dir, "db.sqlite"));
  const remote = new Remote();
  let proc = new Process(remote);
  proc.refuseSubmit = refuseSubmit;
  let { driver, core } = start(store, proc);
  const handled = () => store.db.select().from(events).all().length;
  for (const id of ["1", "2", "3"]) driver.submit({ type: "enqueue", pipeline: "gate", change: change(id) });
  let crashed = false;
  for (let guard = 0; guard < 5000; guard++) {
    await driver.settled();
    await Bun.sleep(0);
    await driver.settled();
    if (!crashed && crashAfter !== null && handled() >= crashAfter) {
      crashed = true;
      proc.dead = true;
      proc = new Process(remote);
      ({ driver, core } = start(store, proc));
      await driver.resume();
      continue;
    }
    if (core.view().pipelines.every((p) => p.queues.every((q) => q.items.length === 0))) break;
    if (proc.tick() === 0) await Bun.sleep(1);
  }
  // The last reports run in the background after their items left the queue.
  await Bun.sleep(50);
  await driver.settled();
  const inputs = handled();
  if (process.env.CRASH_DEBUG) console.log(store.db.select().from(events).all().map((e) => `${e.kind}:${e.payload}`).join("\n"));
  store.close();
  return { remote, inputs, crashed };
}

describe("crash recovery of the driver", () => {
  it("reaches the outcome of an uninterrupted run from a crash after any number of inputs", async () => {
    const { remote: clean, inputs } = await run(null);
    expect(clean.merged).toEqual(["1", "3"]);
    expect(clean.votes).toContain("2:-1");
    expect(inputs).toBeGreaterThan(10);
    for (let k = 1; k < inputs; k++) {
      const { remote: r, crashed } = await run(k);
      expect(crashed, `crash after ${k} inputs happened`).toBe(true);
      expect(r.merged, `crash after ${k} inputs`).toEqual(["1", "3"]);
      expect(r.submits, `crash after ${k} inputs`).toBe(2);
      expect(r.votes.filter((v) => v.startsWith("2:")).every((v) => v === "2:-1"), `crash after ${k}`).toBe(true);
    }
  }, 120_000);

  it("does not hold the queue forever when Gerrit refuses to submit for good (403): the change is reported as not merged", async () => {
    const { remote } = await run(null, 403);
    expect(remote.merged).toEqual([]);
    // 1 and 3 passed but could not be submitted: merge-failure; 2 failed its tests.
    expect(remote.votes.filter((v) => v.endsWith(":merge-failure")).sort()).toEqual(["1:merge-failure", "3:merge-failure"]);
  }, 30_000);
});
