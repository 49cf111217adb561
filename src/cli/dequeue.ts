import { adminCommand, ADMIN_FLAGS } from "../web/admin-cli.ts";
import { parseFlags, positionals } from "./args.ts";

/** `gatebox dequeue`: POST /api/dequeue on a running gatebox (admin token from --token-env). */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("dequeue", argv, ADMIN_FLAGS);
  positionals("dequeue", pos, []);
  return adminCommand("dequeue", values);
}
