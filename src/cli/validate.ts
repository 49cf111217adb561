import { existsSync } from "node:fs";
import { loadConfigFile } from "../config/load.ts";
import { capped, problemCount } from "../config/problems.ts";
import { checkSecrets } from "../config/secrets.ts";
import { InputError } from "../errors.ts";
import { parseFlags, positionals } from "./args.ts";

/**
 * `gatebox validate [FILE]`: 0 when valid, 1 with every problem listed otherwise (the first 200
 * in file order, then how many more), whatever the file holds.
 */
export async function run(argv: string[]): Promise<number> {
  const { positionals: pos } = parseFlags("validate", argv, {});
  const [file = "gatebox.yaml"] = positionals("validate", pos, ["FILE"], 0);
  if (!existsSync(file)) throw new InputError(`${file}: no such file`);
  try {
    const config = loadConfigFile(file);
    const projects = config.projects.length;
    // A secret gatebox cannot read here may be set where it runs: a warning, not an error.
    for (const warning of capped(checkSecrets(config))) process.stderr.write(`warning: ${warning}\n`);
    process.stdout.write(
      `${file}: valid (${config.pipelines.length} pipelines, ${config.jobs.size} jobs, ${projects} projects)\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`${err.problems.join("\n")}\n`);
      process.stderr.write(`${file}: ${problemCount(err)}\n`);
      return 1;
    }
    throw err;
  }
}
