import * as z from "zod";
import { durationText, parseDuration, parseSize, sizeText } from "./units.ts";

/** Field types of gatebox.yaml that carry a unit or a range: every one is checked at load time. */

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

export interface Range {
  readonly min: number;
  readonly max: number;
}

/**
 * The sane range of every duration, size and count in gatebox.yaml. `gatebox validate` and
 * `gatebox serve` refuse a value outside it with file:line, so a value that would overflow a timer
 * or wedge the executor never reaches a build.
 */
export const LIMITS = {
  /** Timers longer than 2^31-1 ms (24.8 days) overflow and fire at once: a week is plenty for a job. */
  jobTimeout: { min: 1, max: 7 * DAY },
  /** Under a second the poller would hammer Gerrit; over an hour nobody would wait for a vote. */
  pollInterval: { min: 1, max: HOUR },
  fullSweepInterval: { min: 1, max: DAY },
  /** One Gerrit REST request. */
  gerritTimeout: { min: 1, max: 10 * MINUTE },
  /** Docker refuses a memory limit under 6 MiB; the executor's resolveJob does too, too late. */
  memory: { min: 6 * MIB, max: 1024 ** 4 },
  /** Docker's NanoCpus granularity is 0.01 CPU. */
  cpus: { min: 0.01, max: 1024 },
  /** A shell with a few children needs a handful; 4194304 is the kernel's PID_MAX_LIMIT. */
  pids: { min: 16, max: 4_194_304 },
  attempts: { min: 1, max: 10 },
  /** Runs again of a failed build on the same state (flaky jobs): a few, or a broken job holds the queue. */
  retryFlaky: { min: 0, max: 3 },
  /** A job's console: past it the build is a FAILURE ("output limit exceeded"), so one job cannot fill the disk. */
  outputLimit: { min: MIB, max: 100 * GIB },
  /** A job's artifacts, all files together; 0 keeps none. */
  artifactLimit: { min: 0, max: 10 * GIB },
  capacity: { min: 1, max: 1000 },
  /** 0 means an unlimited window (Zuul). */
  window: { min: 0, max: 1000 },
  windowBound: { min: 1, max: 1000 },
  windowFactor: { min: 1, max: 1000 },
} as const satisfies Record<string, Range>;

/** Defaults of the sizes above, in bytes. */
export const DEFAULT_OUTPUT_LIMIT = 256 * MIB;
export const DEFAULT_ARTIFACT_LIMIT = 100 * MIB;

/**
 * A human duration (`30m`, `1h30m`, a bare number of seconds) in `range`, as seconds. Any other
 * value (a list, a number too large to be one) gets the same message, saying what is expected.
 */
export function durationIn(range: Range) {
  return z.unknown().transform((v, ctx) => {
    const seconds = parseDuration(v);
    if (seconds === undefined) {
      ctx.addIssue({ code: "custom", message: "expected a duration like 30m, 90s or 1h30m" });
      return z.NEVER;
    }
    if (seconds < range.min || seconds > range.max) {
      const bounds = `${durationText(range.min)} and ${durationText(range.max)}`;
      ctx.addIssue({ code: "custom", message: `must be between ${bounds}, got ${durationText(seconds)}` });
      return z.NEVER;
    }
    return seconds;
  });
}

/** A human size (`512m`, `2g`, a bare number of bytes) in `range`, as bytes; any other value is refused as durations are. */
export function sizeIn(range: Range) {
  return z.unknown().transform((v, ctx) => {
    const bytes = parseSize(v);
    if (bytes === undefined) {
      ctx.addIssue({ code: "custom", message: "expected a size like 512m or 2g" });
      return z.NEVER;
    }
    if (bytes < range.min || bytes > range.max) {
      const bounds = `${sizeText(range.min)} and ${sizeText(range.max)}`;
      ctx.addIssue({ code: "custom", message: `must be between ${bounds}, got ${sizeText(bytes)}` });
      return z.NEVER;
    }
    return bytes;
  });
}

/** A number in `range`; whole unless `fractions` (cpus). */
export function numberIn(range: Range, fractions = false) {
  return z.number().superRefine((v, ctx) => {
    if (!fractions && !Number.isInteger(v)) {
      ctx.addIssue({ code: "custom", message: `must be a whole number, got ${v}` });
    } else if (v < range.min || v > range.max) {
      ctx.addIssue({ code: "custom", message: `must be between ${range.min} and ${range.max}, got ${v}` });
    }
  });
}

/**
 * A share written as a percentage (`5%`, `0.5%`) or a fraction (`0.05`), between 0 and 100%, as a
 * fraction; anything else is refused saying what is expected.
 */
export function percentIn() {
  return z.unknown().transform((v, ctx) => {
    const m = typeof v === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
    const share = m ? Number(m[1]) / 100 : typeof v === "number" && Number.isFinite(v) ? v : undefined;
    if (share === undefined) {
      ctx.addIssue({ code: "custom", message: "expected a percentage like 5% (or a fraction like 0.05)" });
      return z.NEVER;
    }
    if (share < 0 || share > 1) {
      ctx.addIssue({ code: "custom", message: `must be between 0% and 100%, got ${(share * 100).toFixed(1)}%` });
      return z.NEVER;
    }
    return share;
  });
}
