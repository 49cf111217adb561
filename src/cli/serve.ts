import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultConfig, loadConfigFile } from "../config/load.ts";
import type { Listen } from "../config/model.ts";
import { GateboxError, UsageError } from "../errors.ts";
import { startServer } from "../server/server.ts";
import { parseFlags, positionals } from "./args.ts";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("serve", argv, {
    config: { type: "string" },
    data: { type: "string" },
    listen: { type: "string" },
    "console-listen": { type: "string" },
  });
  positionals("serve", pos, []);
  const file = values.config ?? (existsSync("gatebox.yaml") ? "gatebox.yaml" : null);
  const config = file === null ? defaultConfig() : loadConfigFile(file);
  if (values.data !== undefined) {
    // Workspaces follow the data directory unless the config put them elsewhere.
    if (config.workspaceDir === join(config.dataDir, "workspaces")) config.workspaceDir = join(resolve(values.data), "workspaces");
    config.dataDir = resolve(values.data);
  }
  const listen = values.listen !== undefined ? parseListenFlag(values.listen) : undefined;
  const consoleFlag = values["console-listen"];
  const consoleListen = consoleFlag === undefined ? undefined : consoleFlag === "off" ? null : parseListenFlag(consoleFlag);

  const server = await startServer({
    config,
    ...(listen ? { listen } : {}),
    ...(consoleListen !== undefined ? { consoleListen } : {}),
  }).catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === "EADDRINUSE") {
      const l = listen ?? config.web.listen;
      throw new GateboxError(`gatebox serve: ${l.host}:${l.port} is already in use (choose another with --listen HOST:PORT)`);
    }
    throw err;
  });
  process.stdout.write(`gatebox: listening on ${server.url} (data in ${config.dataDir})\n`);

  return new Promise<number>((done) => {
    const shutdown = (signal: string) => {
      process.stdout.write(`gatebox: ${signal} received, shutting down\n`);
      server.stop().then(
        () => done(0),
        (err: unknown) => {
          process.stderr.write(`gatebox: error while shutting down: ${String(err)}\n`);
          done(1);
        },
      );
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
}

function parseListenFlag(text: string): Listen {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (!m) throw new UsageError(`gatebox serve: expected HOST:PORT, got '${text}'`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}
