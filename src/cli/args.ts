import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Strict flag parsing for a subcommand: an unknown flag or a flag missing its value is a one-line
 * UsageError (exit 2) naming the command.
 */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split(/\n|\. To specify/)[0];
    throw new UsageError(`gatebox ${command}: ${msg} (see gatebox ${command} --help)`);
  }
}

/** Exactly `n` positionals, or a UsageError naming what is missing or extra. */
export function positionals(command: string, values: string[], names: string[], min = names.length): string[] {
  if (values.length < min) {
    throw new UsageError(`gatebox ${command}: missing argument ${names.slice(values.length).join(" ")}`);
  }
  if (values.length > names.length && !names.at(-1)?.endsWith("...")) {
    throw new UsageError(`gatebox ${command}: unexpected argument '${values[names.length]}'`);
  }
  return values;
}
