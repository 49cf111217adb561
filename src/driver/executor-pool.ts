import type { BuildHandle, BuildRequest, Executor } from "../executor/executor.ts";
import type { JobSpec } from "../executor/job.ts";

/** What the driver needs to run builds: one engine, or several behind an ExecutorPool. */
export interface BuildRunner {
  /** Starts a build, on the named executor when given (a job's `executor`), else where it fits best. */
  startBuild(req: BuildRequest, executor?: string): BuildHandle;
  reattach(buildId: string, job: JobSpec): Promise<BuildHandle | null>;
  cleanupOrphans(keep: (buildId: string) => boolean): Promise<string[]>;
}

/**
 * Builds spread over several Docker engines (or hosts), the way Zuul spreads work over nodes: a
 * job that names an executor runs there; any other goes to the least loaded one (running and
 * queued builds over capacity). After a restart, each engine is asked about the builds it may
 * still hold.
 */
export class ExecutorPool implements BuildRunner {
  constructor(private readonly executors: ReadonlyMap<string, { executor: Executor; capacity: number }>) {
    if (executors.size === 0) throw new Error("ExecutorPool needs at least one executor");
  }

  startBuild(req: BuildRequest, name?: string): BuildHandle {
    const named = name === undefined ? undefined : this.executors.get(name);
    return (named ?? this.leastLoaded()).executor.startBuild(req);
  }

  async reattach(buildId: string, job: JobSpec): Promise<BuildHandle | null> {
    for (const { executor } of this.executors.values()) {
      const handle = await executor.reattach(buildId, job).catch(() => null);
      if (handle) return handle;
    }
    return null;
  }

  async cleanupOrphans(keep: (buildId: string) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const { executor } of this.executors.values()) removed.push(...(await executor.cleanupOrphans(keep)));
    return removed;
  }

  private leastLoaded(): { executor: Executor; capacity: number } {
    let best: { executor: Executor; capacity: number } | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const e of this.executors.values()) {
      const { running, queued } = e.executor.load;
      const load = (running + queued) / e.capacity;
      if (load < bestLoad) {
        best = e;
        bestLoad = load;
      }
    }
    return best as { executor: Executor; capacity: number };
  }
}
