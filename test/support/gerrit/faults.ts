/**
 * The simulator's injected faults: what a misbehaving Gerrit (or a proxy in front of it) can answer.
 * `GerritSimulator.inject()` queues them; `answerFault` turns one into a Response, or undefined when the
 * real answer should be produced (possibly rewritten by `rewriteJson`).
 */
import { XSSI, text } from "./routes.ts";

export interface Fault {
  /** Which requests it applies to: a regexp on `METHOD /path?query` (path without `/a`, query decoded); default every request. */
  match?: RegExp;
  /** Answer with this status and text body. */
  status?: number;
  body?: string;
  /** Answer 200 with a body that is not valid JSON behind the XSSI guard. */
  malformed?: boolean;
  /** Wait this long before answering (for client timeouts). */
  delayMs?: number;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /**
   * Answer 200 with a JSON body of this many bytes, streamed chunk by chunk as the client reads (never
   * held in memory), without a Content-Length. What was sent is recorded in `sim.streamed`.
   */
  hugeBodyBytes?: number;
  /** Answer 302 to this base URL (e.g. another port), keeping the request's path and query. */
  redirectTo?: string;
  /** Produce the real answer, then replace its JSON with what this returns (e.g. to corrupt one change). */
  rewrite?: (json: unknown) => unknown;
}

/** One streamed huge body: how much of it went out before the client stopped reading. */
export interface StreamedBody {
  path: string;
  total: number;
  sent: number;
  /** The client cancelled (closed the connection) before the end. */
  cancelled: boolean;
  /** Every byte was handed to the connection. */
  finished: boolean;
}

const CHUNK = 64 * 1024;

/** The fault's own answer, or undefined when the simulator should answer normally. */
export function answerFault(fault: Fault, url: URL, streamed: StreamedBody[]): Response | undefined {
  if (fault.redirectTo) {
    return new Response(null, { status: 302, headers: { Location: `${fault.redirectTo.replace(/\/+$/, "")}${url.pathname}${url.search}` } });
  }
  if (fault.hugeBodyBytes !== undefined) return hugeBody(fault.hugeBodyBytes, url, streamed);
  if (fault.malformed) {
    return new Response(`${XSSI}{"this is": not json`, { status: 200, headers: { "Content-Type": "application/json; charset=UTF-8" } });
  }
  if (fault.status) return text(fault.status, fault.body ?? "Injected failure");
  return undefined;
}

/** `)]}'\n"xxx…x"`: valid JSON (one long string) of exactly `total` bytes, produced as it is read. */
function hugeBody(total: number, url: URL, streamed: StreamedBody[]): Response {
  const head = new TextEncoder().encode(`${XSSI}"`);
  const record: StreamedBody = { path: url.pathname + url.search, total, sent: 0, cancelled: false, finished: false };
  streamed.push(record);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const size = Math.min(CHUNK, total - record.sent);
        if (size <= 0) {
          record.finished = true;
          controller.close();
          return;
        }
        const chunk = new Uint8Array(size).fill(0x78); // "x"
        if (record.sent === 0) chunk.set(head.subarray(0, size));
        if (record.sent + size === total) chunk[size - 1] = 0x22; // the closing quote
        record.sent += size;
        controller.enqueue(chunk);
      },
      cancel() {
        record.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  // Bun.serve sends a stream chunked (a Content-Length here would not be kept for a body this size).
  return new Response(stream, { status: 200, headers: { "Content-Type": "application/json; charset=UTF-8" } });
}

/** The real answer with its JSON body replaced by `rewrite(json)`; non-JSON answers pass unchanged. */
export async function rewriteJson(res: Response, rewrite: (json: unknown) => unknown): Promise<Response> {
  const body = await res.text();
  if (!body.startsWith(XSSI)) return new Response(body, { status: res.status, headers: res.headers });
  const json: unknown = JSON.parse(body.slice(XSSI.length));
  return new Response(`${XSSI}${JSON.stringify(rewrite(json), null, 2)}\n`, { status: res.status, headers: res.headers });
}
