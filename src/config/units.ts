/** Human durations and sizes in config files: `30m`, `1h30m`, `90s`, `2g`, `512m`. */

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
};

/** Seconds, or undefined when `text` is not a duration. A bare number means seconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return finite(Number(text));
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    part.lastIndex = pos;
    const m = part.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    pos = part.lastIndex;
  }
  return finite(total);
}

/** A number too large for a double (a thousand digits) is not a value: it would print as Infinity. */
function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

/** Bytes (binary multiples), or undefined when `text` is not a size. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(value.trim().toLowerCase());
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2] as string];
  if (unit === undefined) return undefined;
  return finite(Math.round(Number(m[1]) * unit));
}

/** `3m 12s`, `1h 02m`, `45s`: how reports and the UI show a duration. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * A duration the way a config file would write it (`7d`, `1h30m`, `90s`, `500ms`), exact: the
 * bounds in error messages must read as values the user can paste back.
 */
export function durationText(seconds: number): string {
  if (seconds > 0 && seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (!Number.isInteger(seconds)) return `${seconds}s`;
  let rest = seconds;
  let out = "";
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || "0s";
}

/** A size in binary units (`6 MiB`, `1.5 GiB`, `1000 bytes`) for error messages. */
export function sizeText(bytes: number): string {
  const units = ["TiB", "GiB", "MiB", "KiB"] as const;
  for (let i = 0; i < units.length; i++) {
    const size = 1024 ** (units.length - i);
    if (bytes >= size) {
      const n = bytes / size;
      // Rounded down to two decimals: a value just under a bound must not print as the bound.
      return `${Math.floor(n * 100) / 100} ${units[i]}`;
    }
  }
  return `${bytes} bytes`;
}
