import { ApiClient, defaultUrl } from "./api-client.ts";
import { formatStatus } from "./status-text.ts";
import { parseFlags, positionals } from "./args.ts";

/** `gatebox status`: every pipeline's queues from a running gatebox's /api/status. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("status", argv, {
    url: { type: "string" },
    pipeline: { type: "string" },
    json: { type: "boolean" },
  });
  positionals("status", pos, []);
  const status = await new ApiClient(defaultUrl(values.url)).status();
  process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, { pipeline: values.pipeline }));
  return 0;
}
