import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { GateboxConfig } from "../config/model.ts";
import { resolveSecret } from "../config/secrets.ts";
import { Executor } from "../executor/executor.ts";
import { findRunner } from "../executor/find-runner.ts";
import { ConsoleHub } from "../logs/console-hub.ts";
import { GitMerger } from "../merger/git-merger.ts";
import type { SchedulerEvent, SchedulerView } from "../scheduler/index.ts";
import { GerritClient } from "../sources/gerrit/client.ts";
import { GerritSource, type GerritSourceState } from "../sources/gerrit/poller.ts";
import { GerritReporter } from "../sources/gerrit/reporter.ts";
import { SqliteStateStore } from "../store/cursors.ts";
import type { OpenStore } from "../store/db.ts";
import { schedulerState } from "../store/schema.ts";
import { Driver, type DriverSnapshot } from "./driver.ts";
import { GerritGateReporter } from "./gerrit-reporter.ts";
import { intake } from "./intake.ts";
import { ExecutorPool } from "./executor-pool.ts";
import { layoutFromConfig } from "./layout.ts";
import { CorePort } from "./scheduler-port.ts";
import type { ChangeMeta, Votes } from "./triggers.ts";
import { InputError } from "../errors.ts";
import type { Change } from "../scheduler/types.ts";
import { parseDependsOn } from "../sources/depends-on.ts";
import type { GerritChange } from "../sources/gerrit/translate.ts";
import type { Dependency } from "../sources/source.ts";
import { type DependencyLookup, resolveDependencies } from "./dependencies.ts";

/** The running gate: Gerrit source → scheduler → merger/executor/reporter, recovered from the store. */
export interface Gate {
  consoles: ConsoleHub;
  view(): SchedulerView;
  submit(event: SchedulerEvent): void;
  subscribe(fn: () => void): () => void;
  isEnqueued(pipeline: string, changeId: string): boolean;
  /** Reads the change's current patchset from Gerrit and enqueues it (the admin action). */
  enqueue(pipeline: string, project: string, number: number): Promise<void>;
  /** Every input handled so far is persisted (tests and shutdown). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGate(config: GateboxConfig, store: OpenStore, log: (line: string) => void): Promise<Gate> {
  const gerrit = config.gerrit;
  if (!gerrit) throw new Error("startGate needs a Gerrit connection");
  const password = resolveSecret(gerrit.password, `${config.file ?? "config"}: connections.gerrit.password`);
  const client = new GerritClient({ url: gerrit.url, username: gerrit.user, password: password.reveal(), timeoutMs: gerrit.timeout * 1000, log });
  const merger = new GitMerger({
    cacheDir: join(config.dataDir, "git"),
    workspaceRoot: config.workspaceDir,
    remoteUrl: (project) => `${gerrit.gitUrl}/a/${project}`,
    credentials: () => ({ username: gerrit.user, password: password.reveal() }),
  });
  const instance = `gatebox-${Bun.hash(config.dataDir).toString(16).slice(0, 8)}`;
  const consoles = new ConsoleHub(join(config.dataDir, "logs"));
  const executors = new Map<string, { executor: Executor; capacity: number }>();
  for (const e of config.executors) {
    const runner = await findRunner(
      { kind: e.type, ...(e.endpoint ? { endpoint: e.endpoint } : {}), baseDir: join(config.dataDir, "local-builds", e.name) },
      instance,
      `executors[${e.name}]`,
    );
    executors.set(e.name, { executor: new Executor({ runner, consoles, capacity: e.capacity }), capacity: e.capacity });
  }
  const pool = new ExecutorPool(executors);
  const capacity = config.executors.reduce((sum, e) => sum + e.capacity, 0);

  const saved = store.db.select().from(schedulerState).where(eq(schedulerState.id, 1)).get();
  const snapshot = saved ? (JSON.parse(saved.snapshot) as DriverSnapshot) : undefined;
  const core = CorePort.create(layoutFromConfig(config), { capacity }, snapshot?.core);
  const driver = new Driver({
    config,
    core,
    ...(snapshot ? { snapshot } : {}),
    merger,
    executor: pool,
    reporter: new GerritGateReporter(new GerritReporter(client), config.web.url),
    store,
    log,
  });
  await driver.resume();

  const lookup: DependencyLookup = {
    async change(number) {
      const c = await client.change("", number, CHANGE_OPTIONS);
      return { status: c.status, record: changeRecord(c, gerrit.url), dependsOn: parseDependsOn(c.commitMessage ?? "") };
    },
    async openByChangeId(changeId) {
      const found = await client.query(`change:${changeId} status:open`, []);
      return found.filter((c) => config.projects.some((p) => p.name === c.project)).map((c) => c.number);
    },
  };
  const intakeOptions = {
    dependencies: (change: Change, footers: readonly Dependency[]) => resolveDependencies(change, footers, lookup),
    config,
    submit: (ev: SchedulerEvent) => driver.submit(ev),
    isEnqueued: (pipeline: string, changeId: string) => core.isEnqueued(pipeline, changeId),
    enqueuedPatchsets: (changeId: string) => core.enqueuedPatchsets(changeId),
    votes: async (ev: { project: string; change: { number: number } }): Promise<Votes> => {
      const change = await client.change(ev.project, ev.change.number, ["CURRENT_REVISION", "DETAILED_LABELS"]);
      const votes: Votes = {};
      for (const v of change.votes) votes[v.label] = [...(votes[v.label] ?? []), v.value];
      return votes;
    },
    log,
  };
  const source = new GerritSource({

    client,
    store: new SqliteStateStore<GerritSourceState>(store.db, "gerrit"),
    // GerritSource refuses an empty project list; with none it is never started.
    projects: config.projects.length > 0 ? config.projects.map((p) => p.name) : ["(none)"],
    intervalMs: gerrit.pollInterval * 1000,
    sweepEvery: Math.max(1, Math.round(gerrit.fullSweepInterval / gerrit.pollInterval)),
    log,
    sink: async (events) => {
      for (const ev of events) await intake(intakeOptions, ev);
      // The cursor is saved after the sink: make sure the scheduler has persisted these first.
      await driver.settled();
    },
  });
  // Gerrit may be down or the password wrong when gatebox starts: the web, the store and builds
  // still come up, and the source keeps trying (with backoff) until Gerrit answers.
  let stopping = false;
  const sourceStarted = (async () => {
    if (config.projects.length === 0) {
      log("gatebox: no projects are configured; nothing to poll");
      return;
    }
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await source.start();
        source.run();
        log(`gatebox: polling ${gerrit.url} every ${gerrit.pollInterval}s for ${config.projects.length} project(s)`);
        return;
      } catch (err) {
        const delay = Math.min(60, 2 ** Math.min(attempt, 6));
        log(`gatebox: cannot start polling ${gerrit.url}: ${(err as Error).message}; trying again in ${delay}s`);
        for (let waited = 0; waited < delay * 10 && !stopping; waited++) await Bun.sleep(100);
      }
    }
  })();

  return {
    consoles,
    view: () => core.view(),
    submit: (ev) => driver.submit(ev),
    subscribe: (fn) => driver.subscribe(fn),
    isEnqueued: (pipeline, changeId) => core.isEnqueued(pipeline, changeId),
    async enqueue(pipeline, project, number) {
      const c = await client.change(project, number, CHANGE_OPTIONS);
      if (c.status !== "NEW" && pipeline !== "post") throw new InputError(`change: ${number} is ${c.status.toLowerCase()}`);
      const change = changeRecord(c, gerrit.url);
      const { dependsOn, needs } = await resolveDependencies(change, parseDependsOn(c.commitMessage ?? ""), lookup);
      driver.submit({ type: "enqueue", pipeline, change: { ...change, dependsOn }, needs });
      await driver.settled();
    },
    settled: () => driver.settled(),
    async stop() {
      stopping = true;
      await sourceStarted;
      await source.stop();
      await driver.stop();
      await merger.close();
    },
  };
}

const CHANGE_OPTIONS = ["CURRENT_REVISION", "CURRENT_COMMIT", "DETAILED_ACCOUNTS"];

/** A Gerrit change's current patchset as the scheduler's change record. */
function changeRecord(c: GerritChange, gerritUrl: string): Change {
  const meta: ChangeMeta = {
    number: c.number,
    patchset: c.patchset ?? 1,
    changeId: c.changeId,
    revision: c.revision ?? "",
    ref: c.ref ?? "",
    url: `${gerritUrl}/c/${c.project}/+/${c.number}`,
    subject: c.subject,
    owner: c.owner.name ?? c.owner.username ?? String(c.owner.accountId),
  };
  return { id: String(c.number), project: c.project, branch: c.branch, dependsOn: [], meta };
}
