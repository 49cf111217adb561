import { join } from "node:path";
import type { GateboxConfig } from "../config/model.ts";
import type { Secret } from "../config/secret.ts";
import { resolveSecrets } from "../config/secrets.ts";
import { InputError } from "../errors.ts";
import { ConsoleHub } from "../logs/console-hub.ts";
import { GateMetrics } from "../metrics/metrics.ts";
import { startTcpConsole, type TcpConsole } from "../logs/tcp-console.ts";
import type { SchedulerView } from "../scheduler/index.ts";
import { openDatabase, type OpenStore } from "../store/db.ts";
import { buildExists } from "../store/queries.ts";
import type { Hono } from "hono";
import { createApp } from "../web/app.ts";
import type { ReloadAnswer } from "../web/api/reload-route.ts";
import type { HealthReport } from "../web/context.ts";
import { webHosts } from "../web/hosts.ts";
import { adminActions } from "./admin.ts";
import { changeFacts } from "./change-facts.ts";
import { type Gate, startGate } from "./gate.ts";
import { type HealthOptions, HEALTH_LOG_EVERY_MS, healthModel, watchHealth } from "./health.ts";
import { configReloader } from "./reload.ts";
import type { TimerClock } from "../driver/timer.ts";
import { type PruneReport, pruneOnce, type RetentionDeps, startRetention } from "../retention/retention.ts";
import { TRIM_CHECK_MS, trimMemoryWhenQuiet, trimNow } from "./memory.ts";

export interface ServerOptions {
  config: GateboxConfig;
  /** Overrides config.web.listen (e.g. port 0 in tests). */
  listen?: { host: string; port: number };
  /** Overrides config.web.console-listen; null turns the TCP console off. */
  consoleListen?: { host: string; port: number } | null;
  /** Where operator lines go (default stderr, as text); `gatebox serve --log-format` picks the format (logs/operator-log.ts). */
  log?: (line: string) => void;
  /** Health thresholds (defaults in health.ts) and how often changes of health are logged. */
  health?: HealthOptions & { logEveryMs?: number };
  /** Re-read the config file on SIGHUP (default true; see reload.ts). */
  sighup?: boolean;
  /** The clock of periodic pipelines' timers (tests give a fake one). */
  clock?: TimerClock;
}

export interface RunningServer {
  url: string;
  store: OpenStore;
  gate: Gate | null;
  console: TcpConsole | null;
  /** What GET /metrics serves. */
  metrics: GateMetrics;
  /** What /healthz answers. */
  health(): HealthReport;
  /** Re-reads the config file and applies it, or refuses it (InputError with every problem); SIGHUP and POST /api/reload. */
  reload(): Promise<ReloadAnswer>;
  /** One retention pass now (they also run hourly): old logs, artifacts, records and orphaned workspaces. */
  prune(): Promise<PruneReport>;
  /** Stops accepting, lets in-flight work settle, closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * `gatebox serve`: the one place that composes the rooms (docs/architecture.md): the store, the
 * gate (when a Gerrit connection is configured, see gate.ts), the web app and the TCP console.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { config } = opts;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const listen = opts.listen ?? config.web.listen;
  const consoleListen = opts.consoleListen === undefined ? config.web.consoleListen : opts.consoleListen;
  // Every missing secret is named at once, before anything starts.
  const secrets = resolveSecrets(config);
  const adminToken: Secret | null = secrets.adminToken;
  const store = openDatabase(join(config.dataDir, "gatebox.sqlite"));
  const cleanup: (() => Promise<void> | void)[] = [() => store.close()];
  const stopAll = async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  };
  try {
    let started: Gate | null = null;
    const metrics = new GateMetrics({
      dataDir: config.dataDir,
      view: () => started?.view() ?? null,
      executors: () => started?.executorSlots() ?? [],
      ...(config.gerrit ? { poll: () => started?.sourceHealth() ?? null } : {}),
    });
    const gate = config.gerrit && secrets.gerritPassword ? await startGate(config, { password: secrets.gerritPassword, jobSecrets: secrets.jobSecrets }, store, log, { metrics, ...(opts.clock ? { clock: opts.clock } : {}) }) : null;
    started = gate;
    if (gate) cleanup.push(() => gate.stop());
    let inForce = config;
    const reload = configReloader({
      current: () => inForce,
      async apply(next, jobSecrets) {
        const stranded = gate ? await gate.reconfigure(next, jobSecrets) : [];
        inForce = next;
        return stranded;
      },
      counted: (result) => metrics.reloads.inc({ result }),
      log,
    });
    if (opts.sighup !== false) {
      const onHup = () => {
        log("gatebox: SIGHUP received, reloading the config");
        reload().catch((err: Error) => err instanceof InputError || log(`gatebox: reload failed: ${err.message}`));
      };
      process.on("SIGHUP", onHup);
      cleanup.push(() => void process.off("SIGHUP", onHup));
    }
    const consoles = gate?.consoles ?? new ConsoleHub(join(config.dataDir, "logs"));
    const retention: RetentionDeps = {
      dataDir: config.dataDir,
      db: store.db,
      config: () => inForce.retention,
      keep: (id) => consoles.isLive(id) || (gate?.buildsInFlight().has(id) ?? false),
      ...(gate ? { cleanWorkspaces: () => gate.cleanWorkspaces() } : {}),
      metrics,
      log,
    };
    const trim = () => {
      store.shrink();
      trimNow();
    };
    cleanup.push(trimMemoryWhenQuiet(() => (gate?.buildsInFlight().size ?? 0) > 0, TRIM_CHECK_MS, trim));
    const pruning = startRetention(retention);
    cleanup.push(() => pruning.stop());
    // gate.ts may expose sourceHealth() / executorHealth(); until it does, those checks pass.
    const health = healthModel(
      { store, dataDir: config.dataDir, gate, pollInterval: config.gerrit?.pollInterval ?? null },
      opts.health,
    );
    cleanup.push(watchHealth(health, log, opts.health?.logEveryMs ?? HEALTH_LOG_EVERY_MS));
    // The app needs the port actually bound (port 0 in tests) for its Host allow-list, so it is
    // built right after the listener opens, before any request can arrive.
    let app: Hono | null = null;
    const http = Bun.serve({
      hostname: listen.host,
      port: listen.port,
      fetch: (req, srv) => (app ? app.fetch(req, srv) : new Response("starting", { status: 503 })),
      idleTimeout: 0,
      // Never Bun's development error page (it shows the stack): anything that escapes the app is
      // logged here and answered like the app's own 500s.
      development: false,
      error(err) {
        log(`gatebox web: internal error: ${err.stack ?? err.message}`);
        return Response.json({ error: "internal error (logged on the server)" }, { status: 500 });
      },
    });
    app = createApp({
      configFile: config.file,
      dataDir: config.dataDir,
      gerritConfigured: config.gerrit !== null,
      startedAt: Date.now(),
      db: store.db,
      status: () => gate?.view() ?? emptyView(inForce),
      subscribe: (fn) => gate?.subscribe(fn) ?? (() => {}),
      consoles,
      adminToken,
      actions: adminActions(() => inForce, gate),
      ...(gate ? { changes: changeFacts(gate, () => inForce) } : {}),
      health,
      metrics,
      reload,
      allowedHosts: webHosts({ url: config.web.url, listen: { host: listen.host, port: http.port as number } }),
      webUrl: config.web.url,
      log,
    });
    cleanup.push(() => http.stop(true));
    let tcp: TcpConsole | null = null;
    if (consoleListen) {
      try {
        tcp = await startTcpConsole({
          consoles,
          host: consoleListen.host,
          port: consoleListen.port,
          exists: (id) => consoles.isLive(id) || buildExists(store.db, id),
          log,
        });
        const t = tcp;
        cleanup.push(() => t.close());
      } catch (err) {
        // The console stream is an extra: the gate and the web go on without it.
        log(`gatebox: the TCP console stream is off: cannot listen on ${consoleListen.host}:${consoleListen.port} (${(err as Error).message})`);
      }
    }
    const url = `http://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${http.port}`;
    if (config.gerrit === null) log("gatebox: no Gerrit connection is configured; the web UI explains how to add one");
    if (tcp) log(`gatebox: console stream on ${tcp.host}:${tcp.port} (nc ${tcp.host} ${tcp.port}, then a build id)`);
    let stopping: Promise<void> | null = null;
    return {
      url,
      store,
      gate,
      console: tcp,
      metrics,
      health,
      reload,
      prune: () => pruneOnce(retention),
      stop() {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function emptyView(config: GateboxConfig): SchedulerView {
  return { running: 0, capacity: null, pipelines: config.pipelines.map((p) => ({ name: p.name, manager: p.manager, queues: [] })) };
}
