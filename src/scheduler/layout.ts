import type { Layout, ManagerKind, Strategy, WindowParams } from "./types.ts";
import { defaultCeiling } from "./window.ts";

/** A job as one project runs it in one pipeline: dependencies resolved to indexes of that list. */
export interface PipelineJob {
  name: string;
  voting: boolean;
  /** Indexes (into the same job list) of the jobs that must succeed first. */
  deps: number[];
}

export interface ResolvedProjectPipeline {
  queueKey: string;
  jobs: PipelineJob[];
  failFast: boolean;
}

export interface ResolvedPipeline {
  name: string;
  manager: ManagerKind;
  window: WindowParams;
  /** `adaptive` only for dependent pipelines; everything else runs as `zuul`. */
  strategy: Strategy;
  /** project name → how it runs here. */
  projects: Map<string, ResolvedProjectPipeline>;
  /** Queue keys in project order, each with its display name. */
  queues: { key: string; name: string }[];
}

export const DEFAULT_WINDOW: WindowParams = {
  window: 20,
  floor: 3,
  ceiling: null,
  increaseType: "linear",
  increaseFactor: 1,
  decreaseType: "exponential",
  decreaseFactor: 2,
};

const SERIAL_WINDOW: WindowParams = { ...DEFAULT_WINDOW, window: 1, floor: 1, ceiling: 1 };

/**
 * Turns a Layout into lookup tables; `capacity` gives a `zuul` gate that names no window ceiling
 * its default one (window.ts). Throws a plain Error on an inconsistent layout (the config
 * room validates user files with positions before this is ever reached).
 */
export function resolveLayout(layout: Layout, capacity = Number.POSITIVE_INFINITY): ResolvedPipeline[] {
  const jobDefs = new Map(layout.jobs.map((j) => [j.name, j]));
  const names = new Set<string>();
  return layout.pipelines.map((p) => {
    if (names.has(p.name)) throw new Error(`layout: pipeline '${p.name}' defined twice`);
    names.add(p.name);
    const strategy = p.manager === "dependent" && p.strategy === "adaptive" ? "adaptive" : "zuul";
    const window = p.manager === "serial" ? SERIAL_WINDOW : { ...DEFAULT_WINDOW, ...p.window };
    // No ceiling given (null is given: none). The adaptive strategy bounds its states by the
    // executors itself (docs/strategy.md).
    if (p.manager !== "serial") {
      window.ceiling = p.window?.ceiling === undefined ? (strategy === "zuul" ? defaultCeiling(capacity) : null) : p.window.ceiling;
    }
    const projects = new Map<string, ResolvedProjectPipeline>();
    const queues: { key: string; name: string }[] = [];
    const seenQueues = new Set<string>();
    for (const project of layout.projects) {
      const pp = project.pipelines[p.name];
      if (!pp) continue;
      // Independent pipelines test every item alone, so a shared queue would mean nothing there.
      const queueName = p.manager === "independent" ? project.name : (pp.queue ?? project.name);
      const key = `${p.name}/${queueName}`;
      if (!seenQueues.has(key)) {
        seenQueues.add(key);
        queues.push({ key, name: queueName });
      }
      const index = new Map(pp.jobs.map((name, i) => [name, i]));
      if (index.size !== pp.jobs.length) {
        throw new Error(`layout: project '${project.name}' lists a job twice in pipeline '${p.name}'`);
      }
      const jobs = pp.jobs.map((name) => {
        const def = jobDefs.get(name);
        // A dependency on a job the project does not run is ignored (FORMAT.md).
        const deps = (def?.dependencies ?? []).flatMap((d) => {
          const i = index.get(d);
          return i === undefined ? [] : [i];
        });
        return { name, voting: def?.voting ?? true, deps };
      });
      assertAcyclic(jobs, `project '${project.name}' in pipeline '${p.name}'`);
      projects.set(project.name, { queueKey: key, jobs, failFast: pp.failFast ?? false });
    }
    return { name: p.name, manager: p.manager, window, strategy, projects, queues };
  });
}

/** A dependency cycle would leave an item waiting forever; refuse it up front. */
function assertAcyclic(jobs: PipelineJob[], where: string): void {
  const state = new Array<number>(jobs.length).fill(0); // 0 new, 1 on stack, 2 done
  const visit = (i: number): void => {
    if (state[i] === 2) return;
    if (state[i] === 1) throw new Error(`layout: job dependency cycle through '${jobs[i]?.name}' (${where})`);
    state[i] = 1;
    for (const d of jobs[i]?.deps ?? []) visit(d);
    state[i] = 2;
  };
  for (let i = 0; i < jobs.length; i++) visit(i);
}
