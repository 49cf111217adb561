import { posix } from "node:path";
import { InputError } from "../errors.ts";
import type { BuildResult as SchedulerBuildResult } from "../scheduler/index.ts";

/**
 * What one build runs, as the config or the scheduler describes it. Everything but `image` and
 * `run` has a default (see `resolveJob`).
 */
export interface JobSpec {
  /** Container image; must be present on the engine or pullable. Ignored by LocalRunner. */
  image: string;
  /** Shell script, run as `/bin/sh -c <run>` in `startDir`. */
  run: string;
  env?: Record<string, string>;
  /** Seconds before the build is killed and reported TIMED_OUT. Default 3600. */
  timeout?: number;
  /** Where the workspace is copied (and the script starts, unless `startDir` says otherwise). Default /work. */
  workdir?: string;
  /** Memory limit in bytes (swap included). Default: the engine's memory over the executor's capacity (limits.ts). */
  memory?: number;
  /** CPU limit, fractions allowed. Default: the engine's CPUs over the executor's capacity (limits.ts). */
  cpus?: number;
  /** Process limit. Default 1024, so a fork bomb is the job's problem, not the host's. */
  pids?: number;
  /** `user` or `uid[:gid]` in the container. Default: the image's. */
  user?: string;
  /** Tries when the infrastructure fails (never when the job fails). Default 3. */
  attempts?: number;
  /** Docker network mode. Default "none": builds see no network. */
  network?: string;
  /**
   * Keep stderr apart from stdout (marked "e" in the console). Off by default: stderr is then
   * sent down the same pipe as stdout, which is the only way to keep the exact order of output
   * (Docker copies two pipes in two goroutines, so lines written close together can swap).
   */
  separateStderr?: boolean;
  /** Where the script starts (absolute path in the container); default `workdir`. */
  startDir?: string;
  /**
   * Secret values by name: given to the job as environment variables of that name (winning over
   * `env`), and never shown: every occurrence in the console is replaced by ***.
   */
  secrets?: Record<string, string>;
  /**
   * Bytes of output (stdout+stderr) after which the build is stopped and ends FAILURE with
   * "output limit exceeded" (in the console and the outcome message). Default 256 MiB.
   */
  outputLimit?: number;
  /**
   * A directory in the container (absolute) that exists and is writable by the job's user before
   * the script starts; whatever files it holds when the build ends (success, failure, timeout;
   * not when cancelled) are copied out, at most `limit` bytes in all (the rest dropped, with a
   * note in the console).
   */
  artifacts?: { dir: string; limit: number };
}

/** A JobSpec with every default filled in and every value checked. */
export type ResolvedJob = Required<Omit<JobSpec, "memory" | "cpus" | "user" | "artifacts">> &
  Pick<JobSpec, "memory" | "cpus" | "user" | "artifacts">;

export const JOB_DEFAULTS = {
  timeout: 3600,
  workdir: "/work",
  pids: 1024,
  attempts: 3,
  network: "none",
  outputLimit: 256 * 1024 * 1024,
} as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Fills in defaults and checks values. `where` names the place the job came from (e.g.
 * "gatebox.yaml: jobs.unit") so a bad value's message leads the user to it. Throws InputError
 * listing every problem at once.
 */
export function resolveJob(spec: JobSpec, where = "job"): ResolvedJob {
  const problems: string[] = [];
  const bad = (field: string, msg: string) => problems.push(`${where}: ${field}: ${msg}`);
  if (typeof spec.image !== "string" || spec.image.trim() === "") bad("image", "must be a non-empty string");
  if (typeof spec.run !== "string" || spec.run.trim() === "") bad("run", "must be a non-empty shell script");
  const positive = (field: keyof JobSpec, integer: boolean) => {
    const v = spec[field];
    if (v === undefined) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      bad(field, `must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(v)}`);
    }
  };
  positive("timeout", false);
  positive("memory", true);
  positive("cpus", false);
  positive("pids", true);
  positive("attempts", true);
  if (spec.workdir !== undefined && (typeof spec.workdir !== "string" || !spec.workdir.startsWith("/"))) {
    bad("workdir", `must be an absolute path, got ${JSON.stringify(spec.workdir)}`);
  }
  if (spec.memory !== undefined && spec.memory < 6 * 1024 * 1024) {
    // Docker refuses less than 6 MiB; say so here rather than as an engine error at build time.
    bad("memory", "must be at least 6 MiB (6291456 bytes)");
  }
  for (const field of ["env", "secrets"] as const) {
    for (const [k, v] of Object.entries(spec[field] ?? {})) {
      if (!ENV_NAME.test(k)) bad(`${field}.${k}`, "is not a valid variable name");
      if (typeof v !== "string") bad(`${field}.${k}`, "must be a string");
    }
  }
  positive("outputLimit", true);
  checkPaths(spec, bad);
  if (spec.network !== undefined && (typeof spec.network !== "string" || spec.network === "")) {
    bad("network", "must be a network mode such as none, bridge or host");
  }
  if (problems.length > 0) throw new InputError(problems.join("\n"), problems);
  const workdir = normalize(spec.workdir ?? JOB_DEFAULTS.workdir);
  return {
    image: spec.image,
    run: spec.run,
    env: { ...(spec.env ?? {}) },
    timeout: spec.timeout ?? JOB_DEFAULTS.timeout,
    workdir,
    memory: spec.memory,
    cpus: spec.cpus,
    pids: spec.pids ?? JOB_DEFAULTS.pids,
    user: spec.user,
    attempts: spec.attempts ?? JOB_DEFAULTS.attempts,
    network: spec.network ?? JOB_DEFAULTS.network,
    separateStderr: spec.separateStderr ?? false,
    startDir: spec.startDir === undefined ? workdir : normalize(spec.startDir),
    secrets: { ...(spec.secrets ?? {}) },
    outputLimit: spec.outputLimit ?? JOB_DEFAULTS.outputLimit,
    artifacts: spec.artifacts && { dir: normalize(spec.artifacts.dir), limit: spec.artifacts.limit },
  };
}

/** startDir and artifacts: absolute paths; the artifacts limit a byte count (0 keeps none). */
function checkPaths(spec: JobSpec, bad: (field: string, msg: string) => void): void {
  const absolute = (v: unknown) => typeof v === "string" && v.startsWith("/") && !v.includes("\0");
  if (spec.startDir !== undefined && !absolute(spec.startDir)) {
    bad("startDir", `must be an absolute path, got ${JSON.stringify(spec.startDir)}`);
  }
  const a = spec.artifacts;
  if (a === undefined) return;
  if (typeof a !== "object" || a === null) {
    bad("artifacts", "must be { dir, limit }");
    return;
  }
  if (!absolute(a.dir) || normalize(a.dir) === "/") {
    bad("artifacts.dir", `must be an absolute path other than /, got ${JSON.stringify(a.dir)}`);
  }
  if (typeof a.limit !== "number" || !Number.isInteger(a.limit) || a.limit < 0) {
    bad("artifacts.limit", `must be a whole number of bytes (0 or more), got ${JSON.stringify(a.limit)}`);
  }
}

/** An absolute path without `.`, `..`, doubled or trailing slashes. */
function normalize(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, "$1");
}

/** The environment a job sees: its `env`, then its secrets (a secret wins over a variable of the same name). */
export function jobEnv(job: Pick<ResolvedJob, "env" | "secrets">): Record<string, string> {
  return { ...job.env, ...job.secrets };
}

/** The secret values to hide in the console (empty ones hide nothing). */
export function secretValues(job: Pick<ResolvedJob, "secrets">): string[] {
  return Object.values(job.secrets).filter((v) => v !== "");
}

/** The results the executor ends a build with: the scheduler's vocabulary, less what only it decides. */
export type BuildResult = Exclude<SchedulerBuildResult, "ERROR">;

/**
 * The command line that runs `script` with stderr on stdout's pipe (order kept) or apart.
 * The script is passed as "$1" of a wrapper so its own line numbers in error messages stay right.
 */
export function shellCommand(script: string, separateStderr: boolean): string[] {
  if (separateStderr) return ["/bin/sh", "-c", script];
  return ["/bin/sh", "-c", 'exec /bin/sh -c "$1" sh 2>&1', "gatebox-run", script];
}
