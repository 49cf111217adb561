import { GateboxError, InfraError, InputError, UsageError } from "../errors.ts";
import type { ConsoleEvent } from "../logs/console-format.ts";
import { SseParser } from "../web/sse-parser.ts";
import type { HealthProblem, HealthReport } from "../web/context.ts";
import type { StatusJson } from "../web/status-view.ts";

/**
 * The HTTP client of the CLI commands that talk to a running gatebox (status, enqueue, dequeue,
 * promote, logs). Errors by whose fault: cannot connect → InfraError; 400/404 → InputError with
 * the server's message (it names the field); 401 → GateboxError saying which token is missing.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null = null,
  ) {}

  async status(): Promise<StatusJson> {
    const body = await this.json(await this.get("/api/status"));
    if (body === null || typeof body !== "object" || !Array.isArray((body as StatusJson).pipelines)) throw this.notGatebox("/api/status");
    return body as StatusJson;
  }

  /**
   * /healthz: the report whether it answers 200 (ok) or 503 (problems): a 503 is news, not a
   * failure. Null when the answer is neither (an older gatebox, a proxy in the way): the caller
   * goes on without it. Cannot connect → InfraError, like every call.
   */
  async health(): Promise<HealthReport | null> {
    const url = new URL("/healthz", checkedUrl(this.baseUrl, "the gatebox address")).toString();
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: "application/json" } });
    } catch (err) {
      throw new InfraError(`cannot reach gatebox at ${this.baseUrl} (${(err as Error).message}); is it running? (--url)`);
    }
    if (res.status !== 200 && res.status !== 503) return null;
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return null;
    }
    if (body === null || typeof body !== "object" || !Array.isArray((body as HealthReport).problems)) return null;
    const problems = (body as HealthReport).problems
      .filter((p): p is HealthProblem => p !== null && typeof p === "object" && typeof p.check === "string" && typeof p.message === "string")
      .map((p) => ({ check: p.check, message: p.message }));
    return { ok: res.status === 200 && problems.length === 0, problems };
  }

  async action(name: "enqueue" | "dequeue" | "promote", body: Record<string, unknown>): Promise<unknown> {
    const res = await this.send(`/api/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify(body),
    });
    return this.json(res);
  }

  /** The body as JSON; a server that answers something else is not a gatebox. */
  private async json(res: Response): Promise<unknown> {
    try {
      return await res.json();
    } catch {
      throw this.notGatebox(new URL(res.url || this.baseUrl).pathname);
    }
  }

  private notGatebox(path: string): InfraError {
    return new InfraError(`gatebox: ${this.baseUrl} answered ${path} with something other than gatebox's JSON; is --url a gatebox?`);
  }

  /** The raw log as it is now. */
  async log(buildId: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.get(`/api/builds/${encodeURIComponent(buildId)}/log`);
    return res.body ?? new ReadableStream();
  }

  /** Every console event from the start, then live ones; resolves with the result at the end. */
  async follow(buildId: string, onEvent: (ev: Omit<ConsoleEvent, "t"> & { t: number }) => void, signal?: AbortSignal): Promise<string> {
    const res = await this.get(`/api/builds/${encodeURIComponent(buildId)}/console`, signal);
    if (!res.body) return "";
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of chunks(res.body)) {
      for (const msg of parser.push(decoder.decode(chunk, { stream: true }))) {
        if (msg.event === "end") return msg.data;
        if (msg.event === "console") {
          const ev = consoleEvent(msg.data);
          if (ev === null) throw this.notGatebox(`/api/builds/${buildId}/console`);
          onEvent(ev);
        }
      }
    }
    return "";
  }

  private get(path: string, signal?: AbortSignal): Promise<Response> {
    return this.send(path, signal ? { signal } : {});
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    const url = new URL(path, checkedUrl(this.baseUrl, "the gatebox address")).toString();
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new InfraError(`cannot reach gatebox at ${this.baseUrl} (${(err as Error).message}); is it running? (--url)`);
    }
    if (res.ok) return res;
    let message = res.statusText;
    try {
      message = ((await res.json()) as { error?: string }).error ?? message;
    } catch {
      // not JSON: keep the status text
    }
    if (res.status === 400 || res.status === 404) throw new InputError(`gatebox: ${message}`);
    if (res.status === 401) throw new GateboxError(`gatebox: ${message} (give it with --token-env VAR)`);
    throw new InfraError(`gatebox: ${url}: HTTP ${res.status}: ${message}`);
  }
}

/** --url, else $GATEBOX_URL, else the default listener; a UsageError when it is not an http(s) URL. */
export function defaultUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) return checkedUrl(flag, "--url");
  const fromEnv = env["GATEBOX_URL"];
  if (fromEnv !== undefined && fromEnv !== "") return checkedUrl(fromEnv, "$GATEBOX_URL");
  return "http://127.0.0.1:8080";
}

function checkedUrl(text: string, what: string): string {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new UsageError(`gatebox: ${what} '${text.slice(0, 100)}' is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)`);
  }
  return text;
}

/** One `console` SSE message's data, `[t, kind, data]`, or null when it is not that. */
function consoleEvent(text: string): (Omit<ConsoleEvent, "t"> & { t: number }) | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(value) || typeof value[0] !== "number" || typeof value[1] !== "string" || typeof value[2] !== "string") return null;
  return { t: value[0], kind: value[1] as ConsoleEvent["kind"], data: value[2] };
}

/** A byte stream's chunks as an async iterable (DOM lib typings lack ReadableStream iteration). */
export async function* chunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
