import type { GateboxConfig } from "../config/model.ts";
import type { Layout } from "../scheduler/types.ts";

/** The scheduler's view of the config: pipelines, projects with their queues and jobs, job graph. */
export function layoutFromConfig(config: GateboxConfig): Layout {
  return {
    pipelines: config.pipelines.map((p) => ({
      name: p.name,
      manager: p.manager,
      window: p.window,
      ...(p.manager === "dependent" && p.strategy !== "zuul" ? { strategy: p.strategy } : {}),
    })),
    projects: config.projects.map((project) => ({
      name: project.name,
      pipelines: Object.fromEntries(
        [...project.pipelines].map(([pipeline, pp]) => [pipeline, { queue: pp.queue, jobs: pp.jobs, failFast: pp.failFast }]),
      ),
    })),
    jobs: [...config.jobs.values()].map((j) => ({ name: j.name, voting: j.voting, dependencies: j.dependencies })),
  };
}
