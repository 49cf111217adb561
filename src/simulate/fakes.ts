import type { Scenario } from "./scenario.ts";

/**
 * The fake merger, executor and reporter: pure decisions from the scenario. A speculative state is
 * the changes merged before the merge was made plus the changes the merge command lists.
 */
export interface StateView {
  has(changeId: string): boolean;
  /** Whether any generated bad change is in the state (answered without scanning every bad id). */
  holdsBad(): boolean;
}

/** FORMAT.md: a merge fails when any two changes in the state conflict (symmetric). */
export function mergeConflict(sc: Scenario, state: StateView): string | null {
  for (const c of sc.conflicts) {
    if (state.has(c.change) && state.has(c.with)) return `${c.change} conflicts with ${c.with}`;
  }
  return null;
}

/** Whether the build of `job` for the item of `changeId` on `state` fails. */
export function buildFails(sc: Scenario, job: string, changeId: string, state: StateView): boolean {
  for (const f of sc.failures) {
    if (f.job !== job || f.change !== changeId) continue;
    if (f.with.every((w) => state.has(w)) && !f.without.some((w) => state.has(w))) return true;
  }
  for (const b of sc.breaks) if (b.job === job && state.has(b.change)) return true;
  if (sc.bad.size > 0 && (sc.jobs.find((j) => j.name === job)?.voting ?? true) && state.holdsBad()) return true;
  return false;
}

export function buildDuration(sc: Scenario, job: string, changeId: string, durations: Map<string, Record<string, number>>): number {
  return durations.get(changeId)?.[job] ?? sc.jobs.find((j) => j.name === job)?.duration ?? 60;
}
