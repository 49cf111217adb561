/**
 * The operator's log: the lines `gatebox serve` writes about itself (not builds' consoles).
 * `text` writes each line as it is; `json` writes one object per line:
 * `{"t":"2025-01-02T03:04:05.678Z","level":"error","msg":"gatebox: TREE MISMATCH …"}`, where
 * `level` is only present for the lines `levelOf` knows (docs/operations.md lists them).
 */

export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogLevel = "error" | "warn";

/** First match wins. Lines are matched as gatebox writes them, so keep these beside the messages' wording. */
const LEVELS: readonly (readonly [RegExp, LogLevel])[] = [
  [/^gatebox: TREE MISMATCH\b/, "error"],
  [/^gatebox: unhealthy: /, "error"],
  [/\(a bug\)|\binternal error\b/, "error"],
  [/^gatebox: error /, "error"],
  [/^gatebox: Gerrit refused /, "warn"],
  [/: (cannot|could not) /, "warn"],
  [/ failed\b/, "warn"],
];

/** The level of a known kind of line; null for the ordinary ones (information). */
export function levelOf(line: string): LogLevel | null {
  for (const [re, level] of LEVELS) if (re.test(line)) return level;
  return null;
}

/** One line of output, newline included. A `json` line holds the whole message, newlines escaped. */
export function formatLogLine(format: LogFormat, line: string, at: Date = new Date()): string {
  if (format === "text") return `${line}\n`;
  const level = levelOf(line);
  return `${JSON.stringify({ t: at.toISOString(), ...(level ? { level } : {}), msg: line })}\n`;
}

/** A `log` function for the server: each line formatted and written to `out` (stderr by default). */
export function operatorLog(
  format: LogFormat,
  out: { write(text: string): unknown } = process.stderr,
  now: () => Date = () => new Date(),
): (line: string) => void {
  return (line) => {
    try {
      out.write(formatLogLine(format, line, now()));
    } catch {
      // A closed or full stderr must not take the server down with it.
    }
  };
}
