import { ApiClient, defaultUrl } from "./api-client.ts";
import { formatHealth, formatStatus } from "./status-text.ts";
import { parseFlags, positionals } from "./args.ts";

/**
 * `gatebox status`: every pipeline's queues from a running gatebox's /api/status, after the
 * problems of its /healthz (`! gerrit: …`, one line each), if any. --json prints /api/status only.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("status", argv, {
    url: { type: "string" },
    pipeline: { type: "string" },
    json: { type: "boolean" },
  });
  positionals("status", pos, []);
  const client = new ApiClient(defaultUrl(values.url));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(await client.status(), null, 2)}\n`);
    return 0;
  }
  const [status, health] = await Promise.all([client.status(), client.health()]);
  process.stdout.write(formatHealth(health) + formatStatus(status, { pipeline: values.pipeline }));
  return 0;
}
