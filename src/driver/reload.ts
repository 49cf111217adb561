import type { GateboxConfig } from "../config/model.ts";
import type { Secret } from "../config/secret.ts";
import type { Change, SchedulerState, SchedulerView } from "../scheduler/index.ts";
import type { Journal } from "../store/journal.ts";
import { layoutFromConfig } from "./layout.ts";
import type { SchedulerPort } from "./ports.ts";

/** An item the config no longer has a place for: it leaves its pipeline (dequeued, not reported). */
export interface StrandedItem {
  pipeline: string;
  queue: string;
  changeId: string;
  project: string;
  why: string;
  /** Its project still takes part in the pipeline, in another queue: it enters again there. */
  requeue?: { change: Change; needs: Change[] };
}

/** What a reload asks of the driver's loop, and how it answers. */
export interface ReloadRequest {
  config: GateboxConfig;
  secrets?: ReadonlyMap<string, Secret>;
  /** Builds that may run at once under the new config (its executors' slots); unchanged when absent. */
  capacity?: number;
  done(answer: { ok: true; stranded: StrandedItem[] } | { ok: false; error: Error }): void;
}

/**
 * The items of `state` that `config` (and the scheduler's `view` under its layout) no longer has a
 * place for: in a pipeline that is gone, in a queue the layout no longer has, or of a project that
 * no longer takes part in the pipeline. The scheduler keeps such queues (never processing them),
 * so the driver dequeues their items explicitly: after a reload, and at a start on a changed config.
 */
export function strandedItems(state: SchedulerState, view: SchedulerView, config: GateboxConfig): StrandedItem[] {
  const live = new Set(view.pipelines.flatMap((p) => p.queues.map((q) => `${p.name}\0${q.name}`)));
  const pipelines = new Set(config.pipelines.map((p) => p.name));
  const out: StrandedItem[] = [];
  for (const q of state.queues) {
    for (const item of q.items) {
      const project = config.projects.find((p) => p.name === item.change.project);
      const why = !pipelines.has(q.pipeline)
        ? `the ${q.pipeline} pipeline is no longer configured`
        : !project?.pipelines.has(q.pipeline)
          ? `project ${item.change.project} no longer takes part in ${q.pipeline}`
          : !live.has(`${q.pipeline}\0${q.name}`)
            ? `queue ${q.name} is no longer in ${q.pipeline}`
            : null;
      if (!why) continue;
      const moved = project?.pipelines.has(q.pipeline) ? { requeue: { change: item.change, needs: item.needs } } : {};
      out.push({ pipeline: q.pipeline, queue: q.name, changeId: item.change.id, project: item.change.project, why, ...moved });
    }
  }
  return out;
}

/** The operator's line for an item that leaves because the config changed. */
export function describeStranded(s: StrandedItem): string {
  const again = s.requeue ? "; it enters its new queue" : "";
  return `gatebox: change ${s.changeId} leaves ${s.pipeline} after the config changed: ${s.why}${again}`;
}

/**
 * Carries out a reload inside the driver's loop: the core under the new layout (on a refusal,
 * nothing changes and the error is the answer), the event and the snapshot written, then the
 * stranded items of the new config handed to `dequeue`.
 */
export function applyReload(
  req: ReloadRequest,
  now: number,
  deps: { core: SchedulerPort; journal: Journal; save(now: number): void; dequeue(items: StrandedItem[]): void },
): StrandedItem[] | Error {
  const { core, journal } = deps;
  try {
    core.relayout(layoutFromConfig(req.config), req.capacity);
  } catch (err) {
    return err as Error;
  }
  const stranded = strandedOf(core, req.config);
  journal.transaction(() => {
    journal.event(now, "config-reloaded", { file: req.config.file, stranded });
    deps.save(now);
  });
  deps.dequeue(stranded);
  return stranded;
}

/** The items of the core that `config` has no place for. */
export function strandedOf(core: SchedulerPort, config: GateboxConfig): StrandedItem[] {
  return strandedItems(core.toJSON() as SchedulerState, core.view(), config);
}
