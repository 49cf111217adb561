import type { BuildHandle, BuildRequest, Executor } from "./executor.ts";
import type { JobSpec } from "./job.ts";

/** One engine's answers to pings; times are unix ms. */
export interface EngineStatus {
  name: string;
  ok: boolean;
  failingSince: number | null;
  lastError: string | null;
}

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
  private executors: ReadonlyMap<string, Executor>;
  /** Executors a reload removed (or replaced): no new builds; kept until their builds are over. */
  private draining: Executor[] = [];
  private readonly status = new Map<string, EngineStatus>();

  constructor(executors: readonly Executor[]) {
    if (executors.length === 0) throw new Error("ExecutorPool needs at least one executor");
    this.executors = new Map(executors.map((e) => [e.name, e]));
    for (const name of this.executors.keys()) this.status.set(name, { name, ok: true, failingSince: null, lastError: null });
  }

  /** The executors new builds go to. */
  get active(): readonly Executor[] {
    return [...this.executors.values()];
  }

  /**
   * A reload: `next` are the executors from now on (an unchanged one is passed again as the same
   * object). The others drain: their running and queued builds go on (and can be cancelled), no
   * new build goes to them, and they are let go once idle.
   */
  replace(next: readonly Executor[]): void {
    if (next.length === 0) throw new Error("ExecutorPool needs at least one executor");
    const kept = new Set(next);
    this.draining.push(...[...this.executors.values()].filter((e) => !kept.has(e)));
    this.executors = new Map(next.map((e) => [e.name, e]));
    for (const name of [...this.status.keys()]) if (!this.executors.has(name)) this.status.delete(name);
    for (const name of this.executors.keys()) if (!this.status.has(name)) this.status.set(name, { name, ok: true, failingSince: null, lastError: null });
    this.letGo();
  }

  /** Executors still draining after a reload. */
  get drainingCount(): number {
    this.letGo();
    return this.draining.length;
  }

  private letGo(): void {
    this.draining = this.draining.filter((e) => e.load.running + e.load.queued > 0);
  }

  /** Whether each engine answered its last ping (for /healthz). */
  engines(): EngineStatus[] {
    return [...this.status.values()].map((s) => ({ ...s }));
  }

  /** Pings every engine (each bounded by `timeoutMs`) and records the answers. */
  async checkEngines(timeoutMs = 10_000): Promise<void> {
    await Promise.all(
      [...this.executors.values()].map(async (e) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${e.name} did not answer a ping within ${timeoutMs / 1000}s`)), timeoutMs);
        });
        const s = this.status.get(e.name)!;
        try {
          await Promise.race([e.ping(), late]);
          Object.assign(s, { ok: true, failingSince: null, lastError: null });
        } catch (err) {
          Object.assign(s, { ok: false, failingSince: s.failingSince ?? Date.now(), lastError: (err as Error).message });
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  /** Builds that may run at once across every executor. */
  get capacity(): number {
    let sum = 0;
    for (const e of this.executors.values()) sum += e.slots;
    return sum;
  }

  startBuild(req: BuildRequest, name?: string): BuildHandle {
    this.letGo();
    const named = name === undefined ? undefined : this.executors.get(name);
    return (named ?? this.leastLoaded()).startBuild(req);
  }

  async reattach(buildId: string, job: JobSpec): Promise<BuildHandle | null> {
    for (const executor of [...this.executors.values(), ...this.draining]) {
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
