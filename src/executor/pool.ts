import type { BuildHandle, BuildRequest, Executor } from "./executor.ts";
import type { JobSpec } from "./job.ts";

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
 * queued builds over its slots). After a restart, each engine is asked about the builds it may
 * still hold. Slots are counted once, by each Executor; `capacity` is their sum, which the
 * scheduler is given so that it never starts more builds than there are slots.
 */
export class ExecutorPool implements BuildRunner {
  private readonly executors: ReadonlyMap<string, Executor>;

  constructor(executors: readonly Executor[]) {
    if (executors.length === 0) throw new Error("ExecutorPool needs at least one executor");
    this.executors = new Map(executors.map((e) => [e.name, e]));
  }

  /** Builds that may run at once across every executor. */
  get capacity(): number {
    let sum = 0;
    for (const e of this.executors.values()) sum += e.slots;
    return sum;
  }

  startBuild(req: BuildRequest, name?: string): BuildHandle {
    const named = name === undefined ? undefined : this.executors.get(name);
    return (named ?? this.leastLoaded()).startBuild(req);
  }

  async reattach(buildId: string, job: JobSpec): Promise<BuildHandle | null> {
    for (const executor of this.executors.values()) {
      const handle = await executor.reattach(buildId, job).catch(() => null);
      if (handle) return handle;
    }
    return null;
  }

  async cleanupOrphans(keep: (buildId: string) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const executor of this.executors.values()) removed.push(...(await executor.cleanupOrphans(keep)));
    return removed;
  }

  private leastLoaded(): Executor {
    let best: Executor | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const e of this.executors.values()) {
      const { running, queued } = e.load;
      const load = (running + queued) / e.slots;
      if (load < bestLoad) {
        best = e;
        bestLoad = load;
      }
    }
    return best as Executor;
  }
}
