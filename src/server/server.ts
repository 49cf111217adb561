import { join } from "node:path";
import type { GateboxConfig } from "../config/model.ts";
import type { Secret } from "../config/secret.ts";
import { resolveSecrets } from "../config/secrets.ts";
import { ConsoleHub } from "../logs/console-hub.ts";
import { startTcpConsole, type TcpConsole } from "../logs/tcp-console.ts";
import type { SchedulerView } from "../scheduler/index.ts";
import { openDatabase, type OpenStore } from "../store/db.ts";
import { buildExists } from "../store/queries.ts";
import { createApp } from "../web/app.ts";
import type { HealthReport } from "../web/context.ts";
import { adminActions } from "./admin.ts";
import { type Gate, startGate } from "./gate.ts";
import { type HealthOptions, HEALTH_LOG_EVERY_MS, healthModel, watchHealth } from "./health.ts";

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
}

export interface RunningServer {
  url: string;
  store: OpenStore;
  gate: Gate | null;
  console: TcpConsole | null;
  /** What /healthz answers. */
  health(): HealthReport;
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
    const gate = config.gerrit && secrets.gerritPassword ? await startGate(config, { password: secrets.gerritPassword, jobSecrets: secrets.jobSecrets }, store, log) : null;
    if (gate) cleanup.push(() => gate.stop());
    const consoles = gate?.consoles ?? new ConsoleHub(join(config.dataDir, "logs"));
    // gate.ts may expose sourceHealth() / executorHealth(); until it does, those checks pass.
    const health = healthModel(
      { store, dataDir: config.dataDir, gate, pollInterval: config.gerrit?.pollInterval ?? null },
      opts.health,
    );
    cleanup.push(watchHealth(health, log, opts.health?.logEveryMs ?? HEALTH_LOG_EVERY_MS));
    const app = createApp({
      configFile: config.file,
      dataDir: config.dataDir,
      gerritConfigured: config.gerrit !== null,
      startedAt: Date.now(),
      db: store.db,
      status: () => gate?.view() ?? emptyView(config),
      subscribe: (fn) => gate?.subscribe(fn) ?? (() => {}),
      consoles,
      adminToken,
      actions: adminActions(config, gate),
      health,
    });
    const http = Bun.serve({ hostname: listen.host, port: listen.port, fetch: app.fetch, idleTimeout: 0 });
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
      health,
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
