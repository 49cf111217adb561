#!/usr/bin/env bun
import { GateboxError, UsageError } from "../errors.ts";
import { commands, usage } from "./commands.ts";

/** Entry point of the `gatebox` binary: dispatch to a subcommand, one top-level catch. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") return main(["version"]);
  const command = commands[name];
  if (!command) throw new UsageError(`gatebox: unknown command '${name}' (see gatebox --help)`);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.help.trimEnd()}\n`);
    return 0;
  }
  const mod = await command.load();
  return mod.run(rest);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof GateboxError) {
        process.stderr.write(`${err.message}\n`);
        process.exitCode = err.exitCode;
      } else {
        const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.stderr.write(
          `gatebox: internal error (this is a bug; please report it with the command you ran):\n${text}\n`,
        );
        process.exitCode = 70;
      }
    },
  );
}
