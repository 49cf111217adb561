import { adminCommand, ADMIN_FLAGS } from "../web/admin-cli.ts";
import { parseFlags, positionals } from "./args.ts";

/** `gatebox promote`: POST /api/promote on a running gatebox (admin token from --token-env). */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("promote", argv, ADMIN_FLAGS);
  positionals("promote", pos, []);
  return adminCommand("promote", values);
}
