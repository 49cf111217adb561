import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { GateboxConfig } from "./config/model.ts";
import type { Secret } from "./config/secret.ts";
import { resolveSecret } from "./config/secrets.ts";
import { type Gate, startGate } from "./driver/gate.ts";
import { InputError } from "./errors.ts";
import { ConsoleHub } from "./logs/console-hub.ts";
import { startTcpConsole, type TcpConsole } from "./logs/tcp-console.ts";
import type { SchedulerView } from "./scheduler/index.ts";
import { openDatabase, type OpenStore } from "./store/db.ts";
import { builds } from "./store/schema.ts";
import { type AdminActions, createApp } from "./web/app.ts";

export interface ServerOptions {
  config: GateboxConfig;
  /** Overrides config.web.listen (e.g. port 0 in tests). */
  listen?: { host: string; port: number };
  /** Overrides config.web.console-listen; null turns the TCP console off. */
  consoleListen?: { host: string; port: number } | null;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  store: OpenStore;
  gate: Gate | null;
  console: TcpConsole | null;
  /** Stops accepting, lets in-flight work settle, closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

/** Composes the rooms for `gatebox serve`: store, gate (when configured), web, TCP console. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { config } = opts;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const listen = opts.listen ?? config.web.listen;
  const consoleListen = opts.consoleListen === undefined ? config.web.consoleListen : opts.consoleListen;
  const adminToken: Secret | null = config.web.adminToken
    ? resolveSecret(config.web.adminToken, `${config.file ?? "config"}: web.admin-token`)
    : null;
  const store = openDatabase(join(config.dataDir, "gatebox.sqlite"));
  const cleanup: (() => Promise<void> | void)[] = [() => store.close()];
  const stopAll = async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  };
  try {
    const gate = config.gerrit ? await startGate(config, store, log) : null;
    if (gate) cleanup.push(() => gate.stop());
    const consoles = gate?.consoles ?? new ConsoleHub(join(config.dataDir, "logs"));
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
          exists: (id) => consoles.isLive(id) || store.db.select({ id: builds.id }).from(builds).where(eq(builds.id, id)).get() !== undefined,
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

/** The API's admin actions as scheduler events; names that are not there are the user's error. */
function adminActions(config: GateboxConfig, gate: Gate | null): AdminActions {
  const need = (pipeline: string): Gate => {
    if (!gate) throw new InputError("no Gerrit connection is configured: there is nothing to act on");
    if (!config.pipelines.some((p) => p.name === pipeline)) throw new InputError(`pipeline: no pipeline named '${pipeline}'`);
    return gate;
  };
  const inPipeline = (g: Gate, pipeline: string, change: number) => {
    if (!g.isEnqueued(pipeline, String(change))) throw new InputError(`change: ${change} is not in the ${pipeline} pipeline`);
  };
  return {
    async enqueue({ pipeline, project, change }) {
      const g = need(pipeline);
      const p = config.projects.find((x) => x.name === project);
      if (!p) throw new InputError(`project: no project named '${project}' is configured`);
      if (!p.pipelines.has(pipeline)) throw new InputError(`project: ${project} does not take part in the ${pipeline} pipeline`);
      await g.enqueue(pipeline, project, change);
    },
    async dequeue({ pipeline, change }) {
      const g = need(pipeline);
      inPipeline(g, pipeline, change);
      g.submit({ type: "dequeue", pipeline, changeId: String(change) });
      await g.settled();
    },
    async promote({ pipeline, change }) {
      const g = need(pipeline);
      inPipeline(g, pipeline, change);
      g.submit({ type: "promote", pipeline, changeId: String(change) });
      await g.settled();
    },
  };
}
