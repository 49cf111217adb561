/**
 * The stored format of a build's console: JSON Lines, pure encoding and decoding here.
 *
 * Line 1, the header:  {"gatebox":"console","version":1,"build":"b-17","started":1732550000123}
 *   `started` is Unix time in milliseconds.
 * Every other line, one event:  [t, kind, data]
 *   t     seconds since `started`, millisecond precision (a float)
 *   kind  "o" stdout (or stdout+stderr merged), "e" stderr, "i" a line from gatebox itself
 *         (image pull progress, attempt notes; no trailing newline), "x" the end (data: result)
 *   data  text (UTF-8; bytes that are not valid UTF-8 become U+FFFD)
 *
 * This is asciicast v2's event line on purpose: an asciicast file is this header rewritten as
 * {"version":2,"width":…,"height":…,"timestamp":started/1000} followed by the "o"/"e" events as
 * [t,"o",data] ("i" lines rendered dimmed with \r\n, "x" dropped). No event is ever rewritten, so
 * readers may follow a file while it grows, and a byte offset is a stable position in it.
 */
export interface ConsoleHeader {
  gatebox: "console";
  version: 1;
  build: string;
  started: number;
}

export type ConsoleKind = "o" | "e" | "i" | "x";

export interface ConsoleEvent {
  /** Seconds since the header's `started`. */
  t: number;
  kind: ConsoleKind;
  data: string;
}

export function encodeHeader(build: string, started: number): string {
  const h: ConsoleHeader = { gatebox: "console", version: 1, build, started };
  return `${JSON.stringify(h)}\n`;
}

export function encodeEvent(t: number, kind: ConsoleKind, data: string): string {
  return `${JSON.stringify([Math.round(t * 1000) / 1000, kind, data])}\n`;
}

/** Parses the header line; null when the line is not a console header. */
export function parseHeader(line: string): ConsoleHeader | null {
  try {
    const v = JSON.parse(line) as Partial<ConsoleHeader>;
    if (v && v.gatebox === "console" && v.version === 1 && typeof v.build === "string" && typeof v.started === "number") {
      return v as ConsoleHeader;
    }
  } catch {
    // not JSON: fall through
  }
  return null;
}

const KINDS = new Set<string>(["o", "e", "i", "x"]);

/** Parses one event line; null for the header, blank lines or garbage (a torn last line after a crash). */
export function parseEvent(line: string): ConsoleEvent | null {
  if (!line.startsWith("[")) return null;
  try {
    const v = JSON.parse(line) as unknown;
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === "number" && KINDS.has(v[1]) && typeof v[2] === "string") {
      return { t: v[0], kind: v[1] as ConsoleKind, data: v[2] };
    }
  } catch {
    // torn or foreign line: skip it
  }
  return null;
}

/** The file name of a build's console in the log dir; build ids are made safe for a path. */
export function consoleFileName(buildId: string): string {
  return `${buildId.replace(/[^a-zA-Z0-9_.-]/g, "_")}.console.jsonl`;
}
