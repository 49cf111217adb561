import { readFileSync } from "node:fs";
import { InputError } from "../errors.ts";
import { runScenario } from "../simulate/run.ts";
import { parseScenario } from "../simulate/scenario.ts";
import { parseFlags, positionals } from "./args.ts";

/**
 * `gatebox simulate FILE... [--json]` (FORMAT.md "Command"). Every file is run even after a failure;
 * exit 2 when any file is invalid, else 1 when any expect does not hold, else 0.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: files } = parseFlags("simulate", argv, { json: { type: "boolean" } });
  positionals("simulate", files, ["FILE..."], 1);
  let status = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      process.stderr.write(`${file}: cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? String(err)})\n`);
      status = 2;
      continue;
    }
    let result: ReturnType<typeof runScenario>;
    try {
      result = runScenario(parseScenario(file, text));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`${err.message}\n`);
      status = 2;
      continue;
    }
    const { outcome, diff } = result;
    if (values.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
    else {
      process.stdout.write(`${outcome.ok ? "PASS" : "FAIL"} ${outcome.name}\n`);
      for (const line of diff) process.stdout.write(`    ${line}\n`);
    }
    if (!outcome.ok && status === 0) status = 1;
  }
  return status;
}
