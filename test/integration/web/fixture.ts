import { eq } from "drizzle-orm";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Secret } from "../../../src/config/secret.ts";
import { Journal } from "../../../src/store/journal.ts";
import { InputError } from "../../../src/errors.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { type Change, type Command, type Layout, Scheduler, type SchedulerEvent } from "../../../src/scheduler/index.ts";
import { builds, changes, queueItems } from "../../../src/store/schema.ts";
import { type OpenStore, openDatabase } from "../../../src/store/db.ts";
import type { ChangeRequest, EnqueueRequest, WebContext } from "../../../src/web/context.ts";

/**
 * A realistic web fixture: the real scheduler core driven to a gate with a failing item branched
 * off the line, the real store written by the driver's Journal, and real console files. Used by
 * the web API tests, the browser tests and the benchmark.
 */

export const TOKEN = "s3cret-admin-token";
export const T0 = 1_750_000_000; // unix seconds

export const LAYOUT: Layout = {
  pipelines: [
    { name: "check", manager: "independent" },
    { name: "gate", manager: "dependent", window: { window: 20 } },
  ],
  projects: [
    { name: "acme/app", pipelines: { check: { jobs: ["lint", "unit"] }, gate: { queue: "acme", jobs: ["lint", "unit", "integration"] } } },
    { name: "acme/lib", pipelines: { check: { jobs: ["lint", "unit"] }, gate: { queue: "acme", jobs: ["lint", "unit"] } } },
  ],
  jobs: [{ name: "lint" }, { name: "unit" }, { name: "integration", dependencies: ["unit"] }],
};

export interface Fixture {
  ctx: WebContext;
  store: OpenStore;
  hub: ConsoleHub;
  scheduler: Scheduler;
  dir: string;
  /** Feeds an event (and the fake completions of its merges) and notifies subscribers. */
  feed(event: SchedulerEvent): Command[];
  /** The admin actions the API called. */
  calls: { action: string; req: EnqueueRequest | ChangeRequest }[];
  /** Ends a build: console end marker, store row, scheduler event. */
  finish(buildId: string, result: "SUCCESS" | "FAILURE", output: string): void;
  /** Build id (string) of a change's job in a pipeline, from the live view. */
  buildOf(pipeline: string, change: string, job: string): string | null;
  clock: { now: number };
  close(): void;
}

function change(n: number, project: string, owner: string, subject: string): Change {
  return {
    id: String(n),
    project,
    branch: "main",
    dependsOn: [],
    meta: { number: n, patchset: 2, changeId: `I${String(n).padStart(40, "0")}`, revision: "f".repeat(40), ref: `refs/changes/${n % 100}/${n}/2`, url: `http://gerrit.test/c/${project}/+/${n}`, subject, owner },
  };
}

export interface FixtureOptions {
  /** Extra gate items (for the benchmark); default 0. */
  extraGateItems?: number;
  capacity?: number;
  /** The gate's active window (default 20: every item tested); 1 leaves all but the head waiting. */
  gateWindow?: number;
}

function layoutWith(gateWindow: number | undefined): Layout {
  if (gateWindow === undefined) return LAYOUT;
  return { ...LAYOUT, pipelines: LAYOUT.pipelines.map((p) => (p.name === "gate" ? { ...p, window: { window: gateWindow } } : p)) };
}

export function createFixture(opts: FixtureOptions = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), "gatebox-web-"));
  const store = openDatabase(join(dir, "gatebox.sqlite"));
  const hub = new ConsoleHub(join(dir, "logs"));
  const clock = { now: T0 };
  const scheduler = new Scheduler(layoutWith(opts.gateWindow), { capacity: opts.capacity ?? 8 });
  const journal = new Journal(store.db);
  const listeners = new Set<() => void>();
  const calls: Fixture["calls"] = [];

  // History: past builds give the median durations behind the ETAs.
  const past = [
    ["lint", 40],
    ["lint", 50],
    ["lint", 60],
    ["unit", 300],
    ["unit", 330],
    ["unit", 360],
    ["integration", 600],
    ["integration", 660],
  ] as const;
  past.forEach(([job, secs], i) => {
    const start = T0 - 86_400 * (i % 3) - 3600 * i;
    store.db
      .insert(builds)
      .values({ id: `old-${i}`, buildsetId: `old-bs-${i}`, itemId: `old-item-${i}`, pipeline: "gate", project: "acme/app", changeNumber: 90 + i, job, state: "finished", result: i === 5 ? "FAILURE" : "SUCCESS", queuedAt: start, startedAt: start, finishedAt: start + secs })
      .run();
    store.db
      .insert(queueItems)
      .values({ id: `old-item-${i}`, pipeline: "gate", queue: "acme", project: "acme/app", changeNumber: 90 + i, patchset: 1, enqueuedAt: start - 120, state: "reported", result: i === 5 ? "-1" : "1", reportedAt: start + secs + 30 })
      .run();
  });

  const feed = (event: SchedulerEvent): Command[] => {
    const out: Command[] = [];
    const pending: SchedulerEvent[] = [event];
    while (pending.length) {
      const ev = pending.shift()!;
      const cmds = scheduler.handle(ev, clock.now);
      for (const cmd of cmds) {
        journal.command(cmd, clock.now, () => "acme");
        if (cmd.type === "merge") pending.push({ type: "merge-done", mergeId: cmd.mergeId });
        if (cmd.type === "start-build") {
          pending.push({ type: "build-started", buildId: cmd.buildId });
          journal.buildStarted(cmd.buildId, clock.now, { executor: "docker", containerId: `c${cmd.buildId}` });
          const w = hub.open(String(cmd.buildId));
          w.info(`running ${cmd.job} on ${cmd.state.join(" + ")}`);
          w.stdout(new TextEncoder().encode(`\x1b[1m$ make ${cmd.job}\x1b[0m\n`));
        }
      }
      out.push(...cmds);
    }
    for (const l of listeners) l();
    return out;
  };

  const gate = [
    change(1001, "acme/app", "Ada Lovelace", "Add the analytical engine driver"),
    change(1002, "acme/lib", "Grace Hopper", "Fix the compiler's off-by-one"),
    change(1003, "acme/app", "Alan Turing", "Refactor the tape reader"),
    change(1004, "acme/lib", "Edsger Dijkstra", "Remove goto from the parser"),
  ];
  for (let i = 0; i < (opts.extraGateItems ?? 0); i++) gate.push(change(2000 + i, i % 2 ? "acme/lib" : "acme/app", `Dev ${i}`, `Change number ${i}`));
  for (const c of gate) feed({ type: "enqueue", pipeline: "gate", change: c });
  feed({ type: "enqueue", pipeline: "check", change: change(1101, "acme/app", "Barbara Liskov", "Substitute the widgets") });

  const fixture: Fixture = {
    dir,
    store,
    hub,
    scheduler,
    clock,
    calls,
    feed,
    finish(id, result, output) {
      const w = hub.open(id);
      w.stdout(new TextEncoder().encode(output));
      w.close(result);
      const row = store.db.select().from(builds).where(eq(builds.id, id)).get();
      journal.buildFinished(Number(id), {
        buildId: id,
        result,
        exitCode: result === "SUCCESS" ? 0 : 1,
        attempts: 1,
        message: result === "SUCCESS" ? "exit 0" : "exit 1",
        infraErrors: [],
        startedAt: (row?.startedAt ?? clock.now) * 1000,
        finishedAt: clock.now * 1000,
        logPath: hub.pathOf(id),
        artifacts: [],
        artifactsDropped: 0,
      });
      feed({ type: "build-finished", buildId: Number(id), result });
    },
    buildOf(pipeline, changeId, job) {
      for (const p of scheduler.view().pipelines) {
        if (p.name !== pipeline) continue;
        for (const q of p.queues) for (const it of q.items) if (it.change.id === changeId) for (const j of it.jobs) if (j.job === job && j.buildId !== null) return String(j.buildId);
      }
      return null;
    },
    ctx: {
      configFile: "/etc/gatebox.yaml",
      dataDir: dir,
      gerritConfigured: true,
      startedAt: Date.now(),
      db: store.db,
      status: () => scheduler.view(),
      subscribe(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      consoles: hub,
      adminToken: new Secret(TOKEN, "test"),
      now: () => clock.now,
      actions: {
        async enqueue(req) {
          if (!LAYOUT.pipelines.some((p) => p.name === req.pipeline)) throw new InputError(`pipeline: no pipeline ${req.pipeline}`);
          calls.push({ action: "enqueue", req });
          feed({ type: "enqueue", pipeline: req.pipeline, change: change(req.change, req.project, "Admin", "Enqueued by hand") });
        },
        async dequeue(req) {
          calls.push({ action: "dequeue", req });
          feed({ type: "dequeue", pipeline: req.pipeline, changeId: String(req.change) });
        },
        async promote(req) {
          calls.push({ action: "promote", req });
          feed({ type: "promote", pipeline: req.pipeline, changeId: String(req.change) });
        },
      },
    },
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  store.db.insert(changes).values({ number: 1001, project: "acme/app", branch: "main", changeId: "I1001", subject: "Add the analytical engine driver", owner: "Ada Lovelace", url: "http://gerrit.test/c/acme/app/+/1001", updatedAt: T0 }).run();
  return fixture;
}

/** Moves the fixture to the picture the UI shows: lint done everywhere, 1002's unit failed (branched off). */
export function failSecondItem(f: Fixture): void {
  f.clock.now += 45;
  for (const c of ["1001", "1002", "1003", "1004"]) {
    const id = f.buildOf("gate", c, "lint");
    if (id !== null) f.finish(id, "SUCCESS", "\x1b[32mok\x1b[0m lint passed\n");
  }
  f.clock.now += 60;
  const unit = f.buildOf("gate", "1002", "unit");
  if (unit !== null) f.finish(unit, "FAILURE", "\x1b[31mFAIL\x1b[0m test_off_by_one: expected 10, got 11\n");
  f.clock.now += 30;
}
