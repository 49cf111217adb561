import { Cron } from "croner";
import type { GateboxConfig, PipelineConfig } from "../config/model.ts";
import type { Change, SchedulerEvent } from "../scheduler/index.ts";
import { type ChangeMeta, isChangeMeta } from "../sources/source.ts";

/** The clock timers run on: the real one, or a test's. Times are unix ms. */
export interface TimerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: TimerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A timer never sleeps longer than this at once: the clock may jump, and setTimeout overflows past 24.8 days. */
const MAX_SLEEP_MS = 60 * 60 * 1000;

/**
 * The scheduler's record of a branch tip, for a timer's item: it has no change behind it, so its
 * ChangeMeta has number and patchset 0, no revision (the merger takes the tip when it merges) and
 * the branch as its ref. Its id, `<project>@<branch>`, is unique in a pipeline: a timer that fires
 * while the last run is still queued does not enqueue a second one.
 */
export function branchChange(project: string, branch: string, pipeline: string, at: number): Change {
  const meta: ChangeMeta = {
    number: 0,
    patchset: 0,
    changeId: "",
    revision: "",
    ref: `refs/heads/${branch}`,
    url: "",
    subject: `${pipeline}: ${branch} at ${new Date(at).toISOString()}`,
    owner: "gatebox",
  };
  return { id: `${project}@${branch}`, project, branch, dependsOn: [], meta };
}

/** Whether the change is a timer's branch tip (branchChange), not a change of the source. */
export function isBranchChange(change: Pick<Change, "meta">): boolean {
  return isChangeMeta(change.meta) && change.meta.number === 0 && change.meta.ref.startsWith("refs/heads/");
}

export interface TimerOptions {
  config: GateboxConfig;
  submit(event: SchedulerEvent): void;
  isEnqueued(pipeline: string, changeId: string): boolean;
  log(line: string): void;
  clock?: TimerClock;
}

/**
 * Periodic pipelines (`trigger: {timer: [{cron: …}]}`): at each time a cron expression names (the
 * server's local time), every project of the pipeline has its branch tip (its `branch`, else main)
 * enqueued. A time missed while gatebox was down is not caught up. `update` takes a reloaded config.
 */
export function startTimers(opts: TimerOptions): { update(config: GateboxConfig): void; stop(): void } {
  const clock = opts.clock ?? REAL_CLOCK;
  let config = opts.config;
  /** Each timer's pending sleep, by its place in the config. */
  const handles = new Map<string, unknown>();
  const arm = () => {
    for (const p of config.pipelines) {
      for (const [i, t] of p.timers.entries()) schedule(`${p.name}#${i}`, p.name, new Cron(t.cron, { paused: true }));
    }
  };
  const schedule = (key: string, pipeline: string, cron: Cron) => {
    const next = cron.nextRun(new Date(clock.now()));
    if (!next) return;
    const due = next.getTime();
    const wait = () => {
      const left = due - clock.now();
      if (left > 0) {
        handles.set(key, clock.setTimeout(wait, Math.min(left, MAX_SLEEP_MS)));
        return;
      }
      const p = config.pipelines.find((x) => x.name === pipeline);
      if (p) fire(p, due);
      schedule(key, pipeline, cron);
    };
    wait();
  };
  const fire = (p: PipelineConfig, at: number) => {
    for (const project of config.projects) {
      if (!project.pipelines.has(p.name)) continue;
      const change = branchChange(project.name, project.branch ?? "main", p.name, at);
      if (opts.isEnqueued(p.name, change.id)) {
        opts.log(`gatebox: ${p.name}: ${change.id} is still in the queue from the last time; this time is skipped`);
        continue;
      }
      opts.log(`gatebox: ${p.name}: timer fired, enqueuing ${change.id}`);
      opts.submit({ type: "enqueue", pipeline: p.name, change, needs: [] });
    }
  };
  const stop = () => {
    for (const h of handles.values()) clock.clearTimeout(h);
    handles.clear();
  };
  arm();
  return {
    update(next) {
      stop();
      config = next;
      arm();
    },
    stop,
  };
}
