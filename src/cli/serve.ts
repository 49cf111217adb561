import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultConfig, loadConfigFile } from "../config/load.ts";
import type { Listen } from "../config/model.ts";
import { GateboxError, UsageError } from "../errors.ts";
import { LOG_FORMATS, type LogFormat, operatorLog } from "../logs/operator-log.ts";
import { startServer } from "../server/server.ts";
import { parseFlags, positionals } from "./args.ts";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("serve", argv, {
    config: { type: "string" },
    data: { type: "string" },
    listen: { type: "string" },
    "console-listen": { type: "string" },
    "log-format": { type: "string" },
  });
  positionals("serve", pos, []);
  const format = parseLogFormat(values["log-format"] ?? "text");
  const log = operatorLog(format, process.stderr);
  const say = operatorLog(format, process.stdout);
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
    log,
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
  say(`gatebox: listening on ${server.url} (data in ${config.dataDir})`);

  return new Promise<number>((done) => {
    const shutdown = (signal: string) => {
      say(`gatebox: ${signal} received, shutting down`);
      // Running builds are left to run: their containers outlive the process and the next start
      // reattaches to them, as after a crash. So nothing may keep the process alive once the store
      // is closed (a build's timers and streams would, until the build ends): exit explicitly.
      const exit = (code: number) => {
        done(code);
        process.exit(code);
      };
      server.stop().then(
        () => exit(0),
        (err: unknown) => {
          log(`gatebox: error while shutting down: ${String(err)}`);
          exit(1);
        },
      );
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
}

function parseLogFormat(text: string): LogFormat {
  const format = LOG_FORMATS.find((f) => f === text);
  if (!format) throw new UsageError(`gatebox serve: --log-format must be ${LOG_FORMATS.join(" or ")}, got '${text}'`);
  return format;
}

function parseListenFlag(text: string): Listen {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (!m) throw new UsageError(`gatebox serve: expected HOST:PORT, got '${text}'`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}
