import { join } from "node:path";
import type { GateboxConfig } from "./config/model.ts";
import { openDatabase, type OpenStore } from "./store/db.ts";
import { createApp } from "./web/app.ts";

export interface ServerOptions {
  config: GateboxConfig;
  /** Overrides config.web.listen (e.g. port 0 in tests). */
  listen?: { host: string; port: number };
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  store: OpenStore;
  /** Stops accepting, lets in-flight work settle, closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

/** Composes the rooms for `gatebox serve`: store, web, and (when configured) the gate itself. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { config } = opts;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const store = openDatabase(join(config.dataDir, "gatebox.sqlite"));
  const listen = opts.listen ?? config.web.listen;
  const app = createApp({
    configFile: config.file,
    dataDir: config.dataDir,
    gerritConfigured: config.gerrit !== null,
    startedAt: Date.now(),
    status: () => ({ pipelines: config.pipelines.map((p) => ({ name: p.name, manager: p.manager, queues: [] })) }),
  });
  let http: ReturnType<typeof Bun.serve>;
  try {
    http = Bun.serve({ hostname: listen.host, port: listen.port, fetch: app.fetch, idleTimeout: 60 });
  } catch (err) {
    store.close();
    throw err;
  }
  const url = `http://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${http.port}`;
  if (config.gerrit === null) log("gatebox: no Gerrit connection is configured; the web UI explains how to add one");
  let stopping: Promise<void> | null = null;
  return {
    url,
    store,
    stop() {
      stopping ??= (async () => {
        await http.stop(false);
        store.close();
      })();
      return stopping;
    },
  };
}
