import { VERSION } from "../version.ts";
import { parseFlags, positionals } from "./args.ts";

export async function run(argv: string[]): Promise<number> {
  const { positionals: pos } = parseFlags("version", argv, {});
  positionals("version", pos, []);
  process.stdout.write(`gatebox ${VERSION} (bun ${Bun.version})\n`);
  return 0;
}
