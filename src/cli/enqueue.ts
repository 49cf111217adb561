import { adminCommand, ADMIN_FLAGS } from "../web/admin-cli.ts";
import { parseFlags, positionals } from "./args.ts";

/** `gatebox enqueue`: POST /api/enqueue on a running gatebox (admin token from --token-env). */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("enqueue", argv, ADMIN_FLAGS);
  positionals("enqueue", pos, []);
  return adminCommand("enqueue", values);
}
