import { GateboxError, InfraError, InputError } from "../errors.ts";
import type { ConsoleEvent } from "../logs/console-format.ts";
import { SseParser } from "../web/sse-parser.ts";
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
    return (await (await this.get("/api/status")).json()) as StatusJson;
  }

  async action(name: "enqueue" | "dequeue" | "promote", body: Record<string, unknown>): Promise<unknown> {
    const res = await this.send(`/api/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify(body),
    });
    return res.json();
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
          const [t, kind, data] = JSON.parse(msg.data) as [number, ConsoleEvent["kind"], string];
          onEvent({ t, kind, data });
        }
      }
    }
    return "";
  }

  private get(path: string, signal?: AbortSignal): Promise<Response> {
    return this.send(path, signal ? { signal } : {});
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    const url = new URL(path, this.baseUrl).toString();
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

/** --url, else $GATEBOX_URL, else the default listener. */
export function defaultUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env["GATEBOX_URL"] ?? "http://127.0.0.1:8080";
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
