import { failKind, readiness } from "./buildset.ts";
import type { Core } from "./core.ts";

/**
 * Starts waiting builds strictly in queue order (pipelines in layout order, queues in project order,
 * items from the head, jobs in the project's order) until `capacity` builds run. Only items inside
 * the active window whose merge is done may start builds; a fail-fast item that is failing starts
 * nothing more.
 */
export function startBuilds(core: Core): void {
  if (core.state.running >= core.capacity) return;
  for (const p of core.layout) {
    for (const { key } of p.queues) {
      const q = core.queues.get(key);
      if (!q) continue;
      const limit = p.manager === "independent" || q.window === 0 ? q.items.length : Math.min(q.window, q.items.length);
      for (let i = 0; i < limit; i++) {
        const item = q.items[i]!;
        const bs = item.buildset;
        if (bs?.merge !== "done" || item.submitting || item.depFailing) continue;
        const pp = core.projectOf(item);
        const jobs = pp?.jobs ?? [];
        if (pp?.failFast && failKind(bs, jobs) !== null) continue;
        for (let j = 0; j < bs.jobs.length; j++) {
          const run = bs.jobs[j]!;
          if (run.status !== "waiting" || readiness(bs, jobs, j) !== "ready") continue;
          if (core.state.running >= core.capacity) return;
          const buildId = core.state.nextBuildId++;
          run.status = "running";
          run.buildId = buildId;
          run.startedAt = core.now;
          core.state.running++;
          core.builds.set(buildId, item);
          core.emit({
            type: "start-build",
            buildId,
            itemId: item.id,
            pipeline: item.pipeline,
            job: run.name,
            mergeId: bs.mergeId,
            buildsetId: bs.id,
            state: bs.state.slice(),
          });
        }
      }
    }
  }
}
