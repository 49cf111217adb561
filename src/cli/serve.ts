import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultConfig, loadConfigFile } from "../config/load.ts";
import { hostInUrl, parseHostPort } from "../config/listen.ts";
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
  const listen = values.listen !== undefined ? parseListenFlag("listen", values.listen) : undefined;
  const consoleFlag = values["console-listen"];
  const consoleListen = consoleFlag === undefined ? undefined : consoleFlag === "off" ? null : parseListenFlag("console-listen", consoleFlag);
  const file = values.config ?? (existsSync("gatebox.yaml") ? "gatebox.yaml" : null);
  const config = file === null ? defaultConfig() : loadConfigFile(file);
  if (values.data !== undefined) {
    // Workspaces follow the data directory unless the config put them elsewhere.
    if (config.workspaceDir === join(config.dataDir, "workspaces")) config.workspaceDir = join(resolve(values.data), "workspaces");
    config.dataDir = resolve(values.data);
  }

  const server = await startServer({
    config,
    log,
    ...(listen ? { listen } : {}),
    ...(consoleListen !== undefined ? { consoleListen } : {}),
  }).catch((err: unknown) => {
    throw startFailure(err, listen ?? config.web.listen);
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

/** A --listen or --console-listen value; port 0 asks for any free port. */
function parseListenFlag(flag: string, text: string): Listen {
  const listen = parseHostPort(text, true);
  if (typeof listen === "string") throw new UsageError(`gatebox serve: --${flag} '${text.slice(0, 80)}': ${listen}`);
  return listen;
}

const LISTEN_WHY: Record<string, string> = {
  EADDRINUSE: "it is already in use",
  EADDRNOTAVAIL: "it is not an address of this machine",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EPERM: "permission denied (ports below 1024 need privileges)",
  EINVAL: "it is not an address of this machine, or a host name that does not resolve to one",
};

/**
 * What the machine refused while starting (an address to listen on, a directory under the data
 * directory) as a GateboxError naming it; anything else is passed on as it is.
 */
function startFailure(err: unknown, listen: Listen): unknown {
  const e = err as NodeJS.ErrnoException | null;
  if (err instanceof GateboxError || typeof e?.code !== "string" || typeof e.syscall !== "string") return err;
  if (e.syscall === "listen" || e.syscall === "bind") {
    const why = LISTEN_WHY[e.code] ?? e.message;
    const where = `${hostInUrl(listen.host)}:${listen.port}`;
    return new GateboxError(`gatebox serve: cannot listen on ${where}: ${why} (choose another with --listen HOST:PORT or web.listen)`, 1, { cause: err });
  }
  return new GateboxError(`gatebox serve: cannot start: ${e.message}`, 1, { cause: err });
}
