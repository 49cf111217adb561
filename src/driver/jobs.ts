import type { JobConfig } from "../config/model.ts";
import type { JobSpec } from "../executor/job.ts";

/** The executor's view of a configured job. */
export function jobSpec(job: JobConfig): JobSpec {
  return {
    image: job.image,
    run: job.run,
    env: job.env,
    timeout: job.timeout,
    workdir: job.workdir,
    pids: job.pids,
    attempts: job.attempts,
    network: job.network,
    separateStderr: job.separateStderr,
    ...(job.memory !== undefined ? { memory: job.memory } : {}),
    ...(job.cpus !== undefined ? { cpus: job.cpus } : {}),
    ...(job.user !== undefined ? { user: job.user } : {}),
  };
}
