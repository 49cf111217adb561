import { createServer, type Server, type Socket } from "node:net";
import type { ConsoleEvent } from "./console-format.ts";
import { parseConsoleRequest, TcpRenderer } from "./tcp-protocol.ts";

/** What the listener needs from the console store: ConsoleHub satisfies it. */
export interface ConsoleSource {
  /** Events in the batches they were read in (ConsoleHub.watchBatches). */
  watchBatches(buildId: string, signal?: AbortSignal): AsyncIterable<ConsoleEvent[]>;
}

export interface TcpConsoleOptions {
  consoles: ConsoleSource;
  /** config `web.console-listen`; port 0 picks a free one (tests). */
  host: string;
  port: number;
  /**
   * Whether a build id names a build that exists or will (store row or live console). Unknown ids
   * are refused at once rather than waited for, so a typo does not hold a connection open.
   */
  exists(buildId: string): boolean | Promise<boolean>;
  /** A client that has not sent its request line by then is dropped (default 10 s). */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface TcpConsole {
  host: string;
  port: number;
  /** Connections currently open. */
  connections(): number;
  /** Stops accepting, ends every watch and closes every connection. Idempotent. */
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 512;

/**
 * The plain TCP console (`nc HOST 7900` then a build id, or `finger BUILD@HOST` on that port):
 * each connection gets that build's console from the start, then live, until the build ends.
 *
 * Fan-out: every connection runs its own ConsoleHub.watch, which reads the console file at the
 * connection's pace; a slow client fills only its own socket buffer (we wait for 'drain' before
 * reading on), so it never slows the build or the other watchers. Many watchers at once are fine.
 */
export async function startTcpConsole(opts: TcpConsoleOptions): Promise<TcpConsole> {
  const sockets = new Set<Socket>();
  const aborts = new Set<AbortController>();
  const log = opts.log ?? (() => {});
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const ac = new AbortController();
    aborts.add(ac);
    socket.on("close", () => {
      sockets.delete(socket);
      aborts.delete(ac);
      ac.abort();
    });
    socket.on("error", () => ac.abort());
    serve(socket, ac.signal, opts).catch((err: unknown) => {
      log(`gatebox console: ${(err as Error).message}`);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  let closing: Promise<void> | null = null;
  return {
    host: opts.host,
    port,
    connections: () => sockets.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const ac of aborts) ac.abort();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

async function serve(socket: Socket, signal: AbortSignal, opts: TcpConsoleOptions): Promise<void> {
  const line = await readRequestLine(socket, opts.requestTimeoutMs ?? 10_000);
  if (line === null) {
    socket.destroy();
    return;
  }
  const req = parseConsoleRequest(line);
  if (!req.ok) {
    socket.end(`gatebox: ${req.error}\r\n`);
    return;
  }
  if (!(await opts.exists(req.buildId))) {
    socket.end(`gatebox: no build ${req.buildId}\r\n`);
    return;
  }
  // One renderer per connection: an escape sequence split across two events is still recognized.
  const renderer = new TcpRenderer();
  for await (const batch of opts.consoles.watchBatches(req.buildId, signal)) {
    // One write per batch: a fast job read in big batches costs each watcher a few writes, not one per line.
    const text = batch.map((ev) => renderer.render(ev)).join("");
    if (text === "") continue;
    if (!socket.write(text)) await drained(socket, signal);
    if (signal.aborted) return;
  }
  if (!signal.aborted) socket.end();
}

/** The first line the client sends (without its end), or null on timeout, close or overflow. */
function readRequestLine(socket: Socket, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    let buf = "";
    const finish = (value: string | null) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      // Nothing more is read from the client: a watcher only receives.
      socket.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl >= 0) finish(buf.slice(0, nl));
      else if (buf.length > MAX_REQUEST_BYTES) finish(null);
    };
    const onClose = () => finish(null);
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}

function drained(socket: Socket, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    socket.on("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
