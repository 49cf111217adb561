import type { ResolvedJob } from "./job.ts";

/** What an engine has in all: memory in bytes, CPUs (Docker's `info`: MemTotal, NCPU). */
export interface EngineResources {
  memory: number;
  cpus: number;
}

/** Docker refuses a memory limit under 6 MiB. */
const MIN_MEMORY = 6 * 1024 * 1024;
/** The least CPU share a job gets by default, however many slots share the engine. */
const MIN_CPUS = 0.1;

/**
 * The limits of a job that set none: its share of the engine, the engine's total divided by the
 * executor's capacity, so `capacity` builds at once cannot take the host down together. A job's
 * own `memory` and `cpus` are kept as they are. Pure; `totals` null (a runner that isolates
 * nothing, or an engine that would not say) leaves the job unchanged.
 */
export function withDefaultLimits(job: ResolvedJob, totals: EngineResources | null, capacity: number): ResolvedJob {
  if (totals === null) return job;
  const slots = Math.max(1, capacity);
  const out = { ...job };
  if (out.memory === undefined && totals.memory > 0) {
    out.memory = Math.max(MIN_MEMORY, Math.floor(totals.memory / slots));
  }
  if (out.cpus === undefined && totals.cpus > 0) {
    // Docker's NanoCpus takes hundredths well; round down so the shares never add up past the total.
    out.cpus = Math.max(MIN_CPUS, Math.floor((totals.cpus / slots) * 100) / 100);
  }
  return out;
}
