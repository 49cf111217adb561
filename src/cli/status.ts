import { InputError } from "../errors.ts";
import { plainText } from "../terminal.ts";
import type { StatusJson } from "../web/status-view.ts";
import { ApiClient, defaultUrl } from "./api-client.ts";
import { formatHealth, formatStatus } from "./status-text.ts";
import { parseFlags, positionals } from "./args.ts";

/**
 * `gatebox status`: every pipeline's queues from a running gatebox's /api/status, after the
 * problems of its /healthz (`! gerrit: …`, one line each), if any. --json prints /api/status only.
 * --pipeline NAME that the server does not have is an input error (exit 1) naming the ones it has.
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
    const status = await client.status();
    checkPipeline(status, values.pipeline);
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return 0;
  }
  const [status, health] = await Promise.all([client.status(), client.health()]);
  checkPipeline(status, values.pipeline);
  process.stdout.write(formatHealth(health) + formatStatus(status, { pipeline: values.pipeline }));
  return 0;
}

/** Refuses a --pipeline the server does not know, rather than printing nothing. */
function checkPipeline(status: StatusJson, name: string | undefined): void {
  if (name === undefined || status.pipelines.some((p) => p.name === name)) return;
  const names = status.pipelines.map((p) => p.name);
  const known = names.length === 0 ? "no pipelines are configured" : `pipelines: ${names.join(", ")}`;
  throw new InputError(plainText(`gatebox status: no pipeline named '${name.slice(0, 100)}' (${known})`));
}
