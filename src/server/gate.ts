import { join } from "node:path";
import type { GateboxConfig } from "../config/model.ts";
import type { Secret } from "../config/secret.ts";
import { enqueueByHand, type IntakeOptions, intake, retryParked } from "../driver/intake.ts";
import type { ParkedChange } from "../driver/parked.ts";
import type { StrandedItem } from "../driver/reload.ts";
import { restoreDriver } from "../driver/restore.ts";
import { startTimers, type TimerClock } from "../driver/timer.ts";
import { Executor } from "../executor/executor.ts";
import { findRunner } from "../executor/find-runner.ts";
import { type EngineStatus, ExecutorPool } from "../executor/pool.ts";
import { ConsoleHub } from "../logs/console-hub.ts";
import { GitMerger } from "../merger/git-merger.ts";
import { type ExecutorSlots, type GateMetrics, slotsOf } from "../metrics/metrics.ts";
import { metricsObserver } from "../metrics/observer.ts";
import type { SchedulerEvent, SchedulerView } from "../scheduler/index.ts";
import { connectGerrit } from "../sources/gerrit/connection.ts";
import type { GerritSourceState } from "../sources/gerrit/poller.ts";
import type { ChangeState, PollStatus, Source } from "../sources/source.ts";
import { SqliteStateStore } from "../store/cursors.ts";
import type { OpenStore } from "../store/db.ts";
import { checkResult, jobRecord } from "../store/flaky-queries.ts";
import { Journal } from "../store/journal.ts";
import { listArtifacts } from "../web/artifacts.ts";

/** The running gate: Gerrit source → scheduler → merger/executor/reporter, recovered from the store. */
export interface Gate {
  /** How polling has gone lately (null: nothing to poll). */
  sourceHealth(): PollStatus | null;
  /** Whether each executor's engine answers. */
  executorHealth(): EngineStatus[];
  /** Each executor's slots, used and total (metrics). */
  executorSlots(): ExecutorSlots[];
  /** Builds under way: retention spares their consoles and artifacts. */
  buildsInFlight(): ReadonlySet<string>;
  /** Removes workspaces no build uses (left by a crash); resolves with their names. */
  cleanWorkspaces(): Promise<string[]>;
  consoles: ConsoleHub;
  view(): SchedulerView;
  submit(event: SchedulerEvent): void;
  subscribe(fn: () => void): () => void;
  isEnqueued(pipeline: string, changeId: string): boolean;
  /**
   * Applies a reloaded config (server/reload.ts) in the driver's loop: pipelines, jobs and projects
   * now; resolves with the items that left because the config has no place for them.
   */
  reconfigure(next: GateboxConfig, jobSecrets: ReadonlyMap<string, Secret>): Promise<StrandedItem[]>;
  /** Reads the change's current patchset from Gerrit and enqueues it (the admin action). */
  enqueue(pipeline: string, project: string, number: number): Promise<void>;
  /** The change as Gerrit has it now (the change page); an InputError when Gerrit does not have it. */
  changeState(number: number): Promise<ChangeState>;
  /** The changes parked behind their dependencies (enqueue-behind). */
  waiting(): readonly ParkedChange[];
  /** Every input handled so far is persisted (tests and shutdown). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** How often the merger's private state refs are pruned, and how old they must be. */
const GC_EVERY_MS = 60 * 60 * 1000;
const GC_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** How often every executor's engine is pinged (for /healthz). */
const PING_EVERY_MS = 30_000;

/** Wires the gate's rooms: the Gerrit connection, the merger, the executors, the driver restored from the store. */
export async function startGate(
  config: GateboxConfig,
  secrets: { password: Secret; jobSecrets: ReadonlyMap<string, Secret> },
  store: OpenStore,
  log: (line: string) => void,
  extras: { metrics?: GateMetrics; clock?: TimerClock } = {},
): Promise<Gate> {
  const { metrics } = extras;
  const { password } = secrets;
  const gerrit = config.gerrit;
  if (!gerrit) throw new Error("startGate needs a Gerrit connection");
  const merger = new GitMerger({
    cacheDir: join(config.dataDir, "git"),
    workspaceRoot: config.workspaceDir,
    remoteUrl: (project) => `${gerrit.gitUrl}/a/${project}`,
    // The checkout's origin names the project without the authenticated /a/ prefix or credentials.
    workspaceOrigin: (project) => `${gerrit.gitUrl}/${project}`,
    credentials: () => ({ username: gerrit.user, password: password.reveal() }),
  });
  const instance = `gatebox-${Bun.hash(config.dataDir).toString(16).slice(0, 8)}`;
  const consoles = new ConsoleHub(join(config.dataDir, "logs"));
  // Executors by their config entry: a reload keeps an unchanged one, and drains the others.
  const built = new Map<string, Executor>();
  const executorsFor = async (entries: GateboxConfig["executors"]): Promise<Executor[]> => {
    const out: Executor[] = [];
    for (const e of entries) {
      const key = JSON.stringify(e);
      const existing = built.get(key);
      if (existing) {
        out.push(existing);
        continue;
      }
      const runner = await findRunner(
        {
          kind: e.type,
          endpoint: e.endpoint,
          tls: e.tls,
          sshKey: e.sshKey,
          sshHostKey: e.sshHostKey,
          insecure: e.insecure,
          baseDir: join(config.dataDir, e.type === "local" ? "local-builds" : "docker-builds", e.name),
        },
        instance,
        `executors[${e.name}]`,
      );
      const executor = new Executor({ name: e.name, runner, consoles, capacity: e.capacity, artifactsDir: join(config.dataDir, "artifacts") });
      built.set(key, executor);
      out.push(executor);
    }
    return out;
  };
  const pool = new ExecutorPool(await executorsFor(config.executors));
  const projects = config.projects.map((p) => p.name);
  const { source, lookup, reporter } = connectGerrit({
    config: gerrit,
    password: password.reveal(),
    projects,
    webUrl: config.web.url,
    cursor: new SqliteStateStore<GerritSourceState>(store.db, "gerrit"),
    artifactsOf: (buildId) => listArtifacts(config.dataDir, buildId).map((a) => a.path),
    log,
    ...(metrics ? { onExchange: (outcome) => metrics.gerritRequest(outcome) } : {}),
    sink: async (events) => {
      for (const ev of events) await intake(intakeOptions, ev);
      // The cursor is saved after the sink: make sure the scheduler has persisted these first.
      await driver.settled();
    },
  });
  const journal = new Journal(store.db);
  // The store's record of jobs and checks: risk for the adaptive strategy, retry-flaky-above.
  const history = {
    jobRecord: (job: string) => jobRecord(store.db, job),
    checkResult: (n: number, ps: number, pipelines: readonly string[]) => checkResult(store.db, n, ps, pipelines),
  };
  const { driver, core } = restoreDriver({ config, journal, merger, executor: pool, reporter, capacity: pool.capacity, log, secrets: secrets.jobSecrets, history });
  if (metrics) driver.observe(metricsObserver(metrics, { enqueuedAt: (itemId) => enqueuedAt(core.view(), itemId) }));
  await driver.resume();
  // Items the config has no place for (it changed while gatebox was down) leave now.
  driver.dropStranded();
  const intakeOptions: IntakeOptions = {
    config,
    lookup,
    submit: (ev) => driver.submit(ev),
    isEnqueued: (pipeline, changeId) => core.isEnqueued(pipeline, changeId),
    enqueuedPatchsets: (changeId) => core.enqueuedPatchsets(changeId),
    park: (entry) => driver.park(entry),
    log,
    history,
  };
  driver.whenUnparked((entry) => void retryParked(intakeOptions, entry));
  const timers = startTimers({
    config,
    submit: (ev) => driver.submit(ev),
    isEnqueued: (pipeline, changeId) => core.isEnqueued(pipeline, changeId),
    log,
    ...(extras.clock ? { clock: extras.clock } : {}),
  });
  const polling = source ? startPolling(source, gerrit.url, `every ${gerrit.pollInterval}s for ${projects.length} project(s)`, log) : null;
  if (!source) log("gatebox: no projects are configured; nothing to poll");
  const gc = setInterval(() => {
    // States the driver still holds (builds may yet need their workspaces) are kept whatever their age.
    const keep = new Set(driver.liveStates().flatMap((s) => Object.values(s).map((p) => p.commit)));
    merger.gc(GC_MAX_AGE_MS, keep).then(
      (n) => n > 0 && log(`gatebox: pruned ${n} old speculative state ref(s)`),
      (err: Error) => log(`gatebox: merger gc failed: ${err.message}`),
    );
  }, GC_EVERY_MS);

  const pings = setInterval(() => void pool.checkEngines(), PING_EVERY_MS);
  pings.unref?.();

  return {
    consoles,
    sourceHealth: () => source?.status() ?? null,
    executorHealth: () => pool.engines(),
    executorSlots: () => pool.active.map(slotsOf),
    buildsInFlight: () => new Set(driver.buildsInFlight()),
    cleanWorkspaces: () => {
      const inFlight = new Set(driver.buildsInFlight());
      return merger.cleanWorkspaces((name) => inFlight.has(name));
    },
    view: () => core.view(),
    submit: (ev) => driver.submit(ev),
    subscribe: (fn) => driver.subscribe(fn),
    isEnqueued: (pipeline, changeId) => core.isEnqueued(pipeline, changeId),
    async reconfigure(next, jobSecrets) {
      // New or changed executors must answer before anything changes; removed ones drain.
      const executors = await executorsFor(next.executors);
      const capacity = executors.reduce((sum, e) => sum + e.slots, 0);
      const stranded = await driver.reconfigure(next, jobSecrets, capacity);
      pool.replace(executors);
      for (const [key, e] of built) if (!executors.includes(e)) built.delete(key);
      intakeOptions.config = next;
      // The source and the lookup read this list at each poll: the new projects are polled from now on.
      projects.splice(0, projects.length, ...next.projects.map((p) => p.name));
      timers.update(next);
      return stranded;
    },
    async enqueue(pipeline, project, number) {
      await enqueueByHand(intakeOptions, pipeline, project, number);
      await driver.settled();
    },
    changeState: (number) => lookup.state(number),
    waiting: () => driver.waiting(),
    settled: () => driver.settled(),
    async stop() {
      clearInterval(gc);
      clearInterval(pings);
      timers.stop();
      await polling?.stop();
      await driver.stop();
      await merger.close();
    },
  };
}

/** When the item entered its pipeline (unix seconds), while it is in a queue. */
function enqueuedAt(view: SchedulerView, itemId: number): number | undefined {
  for (const p of view.pipelines) for (const q of p.queues) for (const i of q.items) if (i.itemId === itemId) return i.enqueuedAt;
  return undefined;
}

/**
 * Starts a source's poll loop. The source may be down or refuse the password when gatebox
 * starts: the web, the store and builds still come up, and this keeps trying (with backoff).
 */
function startPolling(source: Source, where: string, how: string, log: (line: string) => void): { stop(): Promise<void> } {
  let stopping = false;
  const started = (async () => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await source.start();
        source.run();
        log(`gatebox: polling ${where} ${how}`);
        return;
      } catch (err) {
        const delay = Math.min(60, 2 ** Math.min(attempt, 6));
        log(`gatebox: cannot start polling ${where}: ${(err as Error).message}; trying again in ${delay}s`);
        for (let waited = 0; waited < delay * 10 && !stopping; waited++) await Bun.sleep(100);
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      await started;
      await source.stop();
    },
  };
}
