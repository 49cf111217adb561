import { GateboxError, InfraError, InputError, UsageError } from "../errors.ts";
import type { ReloadAnswer } from "../web/api/reload-route.ts";
import { defaultUrl } from "./api-client.ts";
import { parseFlags, positionals } from "./args.ts";

/**
 * `gatebox reload`: asks a running gatebox to re-read its config file (POST /api/reload, as
 * SIGHUP does). Prints what the reload did, or every problem of a refused file (exit 1).
 */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals: pos } = parseFlags("reload", argv, { url: { type: "string" }, "token-env": { type: "string" } });
  positionals("reload", pos, []);
  const tokenEnv = values["token-env"] ?? "GATEBOX_ADMIN_TOKEN";
  const token = env[tokenEnv];
  if (token === undefined || token === "") throw new UsageError(`gatebox reload: environment variable ${tokenEnv} (the admin token) is not set`);
  const base = defaultUrl(values.url, env);
  let res: Response;
  try {
    res = await fetch(new URL("/api/reload", base), { method: "POST", headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new InfraError(`cannot reach gatebox at ${base} (${(err as Error).message}); is it running? (--url)`);
  }
  const body = (await res.json().catch(() => ({}))) as Partial<ReloadAnswer> & { error?: string; problems?: string[] };
  if (res.status === 400) {
    const problems = body.problems ?? [body.error ?? "refused"];
    throw new InputError(`gatebox reload: the config was not reloaded; gatebox keeps the one in force:\n${problems.map((p) => `  ${p}`).join("\n")}`, problems);
  }
  if (res.status === 401) throw new GateboxError(`gatebox: ${body.error ?? "unauthorized"} (give it with --token-env VAR)`);
  if (!res.ok) throw new InfraError(`gatebox reload: HTTP ${res.status}: ${body.error ?? res.statusText}`);
  if (!isReloadAnswer(body)) throw new InfraError(`gatebox reload: ${base} answered something that is not gatebox's reload answer (--url?)`);
  process.stdout.write(describe(body));
  return 0;
}

function isReloadAnswer(v: unknown): v is ReloadAnswer {
  const a = v as Partial<ReloadAnswer> | null;
  return typeof a === "object" && a !== null && typeof a.file === "string" && Array.isArray(a.dequeued) && Array.isArray(a.restartNeeded);
}

function describe(a: ReloadAnswer): string {
  const lines = [`reload: ${a.file} applied`];
  for (const d of a.dequeued) lines.push(`  change ${d.change} left ${d.pipeline}: ${d.why}`);
  for (const r of a.restartNeeded) lines.push(`  ${r}`);
  return `${lines.join("\n")}\n`;
}
