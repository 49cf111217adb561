import { UsageError } from "../errors.ts";
import { ApiClient, defaultUrl } from "./api-client.ts";
import { parseFlags, positionals } from "./args.ts";
import type { CommandModule } from "./commands.ts";

type AdminAction = "enqueue" | "dequeue" | "promote";

/** `gatebox enqueue|dequeue|promote` as the command table loads them. */
export function adminModule(action: AdminAction): CommandModule {
  return {
    run(argv) {
      const { values, positionals: pos } = parseFlags(action, argv, ADMIN_FLAGS);
      positionals(action, pos, []);
      return adminCommand(action, values);
    },
  };
}

/**
 * The shared body of `gatebox enqueue|dequeue|promote`: flags → POST /api/<action> with the admin
 * token read from the environment variable named by --token-env (never from a flag, so it stays
 * out of shell history and `ps`).
 */
export async function adminCommand(
  action: AdminAction,
  values: { url?: string | undefined; "token-env"?: string | undefined; pipeline?: string | undefined; project?: string | undefined; change?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const need = (name: "pipeline" | "project" | "change") => {
    const v = values[name];
    if (v === undefined || v === "") throw new UsageError(`gatebox ${action}: --${name} is required (see gatebox ${action} --help)`);
    return v;
  };
  const pipeline = need("pipeline");
  const change = need("change");
  if (!/^\d+$/.test(change)) throw new UsageError(`gatebox ${action}: --change must be a change number, got '${change}'`);
  const body: Record<string, unknown> = { pipeline, change: Number(change) };
  if (action === "enqueue") body["project"] = need("project");
  const tokenEnv = values["token-env"] ?? "GATEBOX_ADMIN_TOKEN";
  const token = env[tokenEnv];
  if (token === undefined || token === "") throw new UsageError(`gatebox ${action}: environment variable ${tokenEnv} (the admin token) is not set`);
  await new ApiClient(defaultUrl(values.url, env), token).action(action, body);
  process.stdout.write(`${action}: change ${change} in ${pipeline}: ok\n`);
  return 0;
}

export const ADMIN_FLAGS = {
  url: { type: "string" },
  "token-env": { type: "string" },
  pipeline: { type: "string" },
  project: { type: "string" },
  change: { type: "string" },
} as const;
