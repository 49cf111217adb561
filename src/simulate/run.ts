import { type Change, type Command, type Layout, Scheduler, type SchedulerEvent, type Strategy } from "../scheduler/index.ts";
import { EventQueue } from "./event-queue.ts";
import { compareExpect } from "./expect.ts";
import { buildDuration, buildFails, mergeConflict, type StateView } from "./fakes.ts";
import { type Outcome, type Throughput, throughput } from "./outcome.ts";
import type { Scenario } from "./scenario.ts";

export interface RunOptions {
  /** Sees every event the scheduler handled and the commands it returned (property tests). */
  observe?: (event: SchedulerEvent, commands: readonly Command[], now: number, scheduler: Scheduler) => void;
  /** Persist and restore the scheduler after every event: proves toJSON/fromJSON lose nothing. */
  roundTrip?: boolean;
  /** Run the gate with this strategy instead of the file's (`gatebox simulate --compare`). */
  strategy?: Strategy;
}

export interface RunResult {
  outcome: Outcome;
  /** Readable differences between `expect` and the outcome (empty when it holds). */
  diff: string[];
  /** The throughput figures, for any scenario (the outcome carries them for generated ones only). */
  stats: Throughput;
  /** The virtual instants at which items left their queue, in order (the gate's pace). */
  left: number[];
}

/** Phases within one instant (FORMAT.md "Time and order"). */
const ENQUEUE = 0;
const EVENT = 1;
const COMPLETION = 2;

export function pipelineName(sc: Scenario): string {
  return sc.manager === "independent" ? "check" : "gate";
}

/** The scenario's one pipeline and its projects as a scheduler layout. */
export function layoutOf(sc: Scenario, strategy: Strategy = sc.strategy): Layout {
  const pipeline = pipelineName(sc);
  return {
    pipelines: [{ name: pipeline, manager: sc.manager, window: sc.window, ...(strategy === "adaptive" ? { strategy } : {}) }],
    projects: sc.projects.map((p) => ({
      name: p.name,
      pipelines: { [pipeline]: { queue: p.queue, jobs: p.jobs, failFast: p.failFast } },
    })),
    jobs: sc.jobs.map((j) => ({ name: j.name, voting: j.voting, dependencies: j.dependencies })),
  };
}

/**
 * Runs a scenario through the real scheduler on a virtual clock. The fakes answer commands: merges
 * after `merge-duration` (0: before anything else happens), builds after their duration with the
 * scenario's failure rules, submits at once (refused for `submit-failures`).
 */
export function runScenario(sc: Scenario, options: RunOptions = {}): RunResult {
  const layout = layoutOf(sc, options.strategy);
  const pipeline = pipelineName(sc);
  const schedulerOptions = sc.capacity === null ? {} : { capacity: sc.capacity };
  let scheduler = new Scheduler(layout, schedulerOptions);
  const agenda = new EventQueue<SchedulerEvent>();
  const immediate: SchedulerEvent[] = [];
  let seq = 0;

  const changes = new Map<string, Change>();
  for (const c of sc.changes) {
    const risk = c.risk === undefined ? {} : { risk: c.risk };
    changes.set(c.id, { id: c.id, project: c.project, branch: "main", dependsOn: c.dependsOn, ...risk });
  }
  const durations = new Map(sc.changes.map((c) => [c.id, c.durations]));
  const enqueueEvent = (id: string): SchedulerEvent => ({
    type: "enqueue",
    pipeline,
    change: changes.get(id)!,
    needs: needsOf(id, changes),
  });
  sc.changes.forEach((c) => {
    if (c.at !== null) agenda.push({ at: c.at, phase: ENQUEUE, seq: seq++, value: enqueueEvent(c.id) });
  });
  sc.events.forEach((e) => {
    const ev: SchedulerEvent =
      e.type === "enqueue"
        ? enqueueEvent(e.change)
        : e.type === "abandon" || e.type === "new-patchset"
          ? { type: e.type, changeId: e.change }
          : { type: e.type, pipeline, changeId: e.change };
    agenda.push({ at: e.at, phase: EVENT, seq: seq++, value: ev });
  });

  // What the fakes and the outcome need to remember.
  const merged: string[] = [];
  const mergedAt = new Map<string, number>();
  let firstBadMerged = Number.POSITIVE_INFINITY;
  const snapshot = new Map<number, number>(); // merge id → how many changes were merged when it was made
  const live = new Set<number>();
  const enqueuedAt = new Map<number, number>();
  const reported = new Map<string, number | string>();
  const builds: Record<string, number> = {};
  const cancelled: Record<string, number> = {};
  const timesInQueue: number[] = [];
  const left: number[] = [];
  let resets = 0;
  let wastedCompleted = 0;
  let finishedAt = 0;

  const stateView = (ids: readonly string[], mergedCount: number): StateView => {
    const set = new Set(ids);
    return {
      has: (id) => set.has(id) || (mergedAt.get(id) ?? Number.POSITIVE_INFINITY) < mergedCount,
      holdsBad: () => firstBadMerged < mergedCount || ids.some((id) => sc.bad.has(id)),
    };
  };

  const carryOut = (cmd: Command, now: number) => {
    switch (cmd.type) {
      case "merge": {
        snapshot.set(cmd.mergeId, merged.length);
        const conflict = mergeConflict(sc, stateView(cmd.changes.map((c) => c.id), merged.length));
        const ev: SchedulerEvent =
          conflict === null ? { type: "merge-done", mergeId: cmd.mergeId } : { type: "merge-failed", mergeId: cmd.mergeId, reason: conflict };
        if (sc.mergeDuration === 0) immediate.push(ev);
        else agenda.push({ at: now + sc.mergeDuration, phase: COMPLETION, seq: seq++, value: ev });
        return;
      }
      case "start-build": {
        builds[cmd.job] = (builds[cmd.job] ?? 0) + 1;
        live.add(cmd.buildId);
        // A batch's build tests every change it covers: any of their failure rules fails it.
        const owners = cmd.covers ?? [cmd.state[cmd.state.length - 1]!];
        const view = stateView(cmd.state, snapshot.get(cmd.mergeId) ?? merged.length);
        const fails = owners.some((own) => buildFails(sc, cmd.job, own, view));
        const at = now + Math.max(...owners.map((own) => buildDuration(sc, cmd.job, own, durations)));
        const ev: SchedulerEvent = { type: "build-finished", buildId: cmd.buildId, result: fails ? "FAILURE" : "SUCCESS" };
        agenda.push({ at, phase: COMPLETION, seq: seq++, value: ev });
        return;
      }
      case "cancel-build":
        cancelled[cmd.job] = (cancelled[cmd.job] ?? 0) + 1;
        live.delete(cmd.buildId);
        return;
      case "report":
        reported.set(cmd.change.id, cmd.result);
        enqueuedAt.set(cmd.itemId, cmd.enqueuedAt);
        if (cmd.submit) {
          const refused = sc.submitFailures.has(cmd.change.id);
          immediate.push(refused ? { type: "submit-failed", itemId: cmd.itemId, reason: "submit refused" } : { type: "submit-done", itemId: cmd.itemId });
        }
        return;
      case "dequeue":
        finishedAt = now;
        left.push(now);
        timesInQueue.push(now - (enqueuedAt.get(cmd.itemId) ?? now));
        if (cmd.merged) {
          mergedAt.set(cmd.changeId, merged.length);
          if (sc.bad.has(cmd.changeId)) firstBadMerged = Math.min(firstBadMerged, merged.length);
          merged.push(cmd.changeId);
        }
        return;
      case "reset":
        resets++;
        wastedCompleted += cmd.completed;
        return;
    }
  };

  const deliver = (ev: SchedulerEvent, now: number) => {
    const cmds = scheduler.handle(ev, now);
    options.observe?.(ev, cmds, now, scheduler);
    if (options.roundTrip) scheduler = Scheduler.fromJSON(layout, JSON.parse(JSON.stringify(scheduler.toJSON())), schedulerOptions);
    for (const cmd of cmds) carryOut(cmd, now);
  };

  let now = 0;
  for (;;) {
    const next = immediate.shift();
    if (next) {
      deliver(next, now);
      continue;
    }
    const timed = agenda.pop();
    if (!timed) break;
    now = timed.at;
    // A cancelled build never completes (FORMAT.md).
    if (timed.value.type === "build-finished" && !live.delete(timed.value.buildId)) continue;
    deliver(timed.value, now);
  }
  const stuck = scheduler.view().pipelines.flatMap((p) => p.queues.flatMap((q) => q.items.map((i) => i.change.id)));
  if (stuck.length > 0) throw new Error(`scenario '${sc.name}': the queue stalled with ${stuck.join(", ")} still in it (this is a bug)`);

  const buildsStarted = Object.values(builds).reduce((a, b) => a + b, 0);
  const cancelledTotal = Object.values(cancelled).reduce((a, b) => a + b, 0);
  const stats = throughput(merged.length, finishedAt, timesInQueue, buildsStarted, cancelledTotal + wastedCompleted);
  const outcome: Outcome = {
    name: sc.name,
    ok: true,
    merged,
    reported: Object.fromEntries(reported),
    builds,
    cancelled,
    resets,
    finishedAt,
    throughput: sc.generated ? stats : null,
  };
  const diff = sc.expect ? compareExpect(sc.expect, outcome) : [];
  outcome.ok = diff.length === 0;
  return { outcome, diff, stats, left };
}

/** Change records of every dependency, transitively (independent pipelines merge them in). */
function needsOf(id: string, changes: Map<string, Change>): Change[] {
  const out: Change[] = [];
  const seen = new Set([id]);
  const todo = [...(changes.get(id)?.dependsOn ?? [])];
  while (todo.length > 0) {
    const dep = todo.pop()!;
    if (seen.has(dep)) continue;
    seen.add(dep);
    const c = changes.get(dep);
    if (!c) continue;
    out.push(c);
    todo.push(...c.dependsOn);
  }
  return out;
}
