import type { ConsoleEvent, ConsoleHeader } from "./console-format.ts";

/**
 * Pure translation of a stored console (console-format.ts) into an asciicast v2 recording
 * (https://docs.asciinema.org/manual/asciicast/v2/): a header line, then one `[t, "o", data]`
 * line per output event. Job output captured without a TTY has bare "\n" line ends; a terminal
 * replaying it needs "\r\n", so they are converted. gatebox's own "i" lines are shown dimmed;
 * the "x" end marker is not output and is dropped.
 */
export interface AsciicastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp?: number;
  title?: string;
}

export interface CastOptions {
  width?: number;
  height?: number;
}

export function castHeader(header: ConsoleHeader | null, opts: CastOptions = {}): string {
  const h: AsciicastHeader = { version: 2, width: opts.width ?? 120, height: opts.height ?? 40 };
  if (header) {
    h.timestamp = Math.floor(header.started / 1000);
    h.title = `gatebox build ${header.build}`;
  }
  return `${JSON.stringify(h)}\n`;
}

/** The cast line for one console event, or "" for events that are not output. */
export function castEvent(ev: ConsoleEvent): string {
  if (ev.kind === "x") return "";
  const data = ev.kind === "i" ? `\x1b[2m${ev.data}\x1b[0m\n` : ev.data;
  return `${JSON.stringify([ev.t, "o", data.replace(/\r?\n/g, "\r\n")])}\n`;
}

export function toAsciicast(header: ConsoleHeader | null, events: Iterable<ConsoleEvent>, opts: CastOptions = {}): string {
  let out = castHeader(header, opts);
  for (const ev of events) out += castEvent(ev);
  return out;
}

/** Parses a recording (for the CLI and tests); throws on a malformed header, skips bad lines. */
export function parseAsciicast(text: string): { header: AsciicastHeader; events: [number, string, string][] } {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const first = lines.shift();
  const header = first ? (JSON.parse(first) as AsciicastHeader) : null;
  if (header?.version !== 2) throw new Error("not an asciicast v2 recording");
  const events: [number, string, string][] = [];
  for (const line of lines) {
    const v = JSON.parse(line) as unknown;
    if (Array.isArray(v) && typeof v[0] === "number" && typeof v[1] === "string" && typeof v[2] === "string") {
      events.push([v[0], v[1], v[2]]);
    }
  }
  return { header, events };
}
