/**
 * Enqueue-behind (Zuul's rule for dependent pipelines): a change whose Depends-On dependency is
 * open but not yet in the pipeline is not enqueued (and so not voted on); it waits here and enters
 * behind its dependency as soon as the dependency is enqueued, or at once when it merges. The
 * driver keeps these with its snapshot, so a restart forgets none. Pure bookkeeping.
 */
export interface ParkedChange {
  pipeline: string;
  project: string;
  /** The change number (the scheduler's change id, as a number). */
  number: number;
  changeId: string;
  /** Change ids it still waits for (not yet in the pipeline, not merged). */
  waitsFor: string[];
}

/** What just happened that may let parked changes in. */
export interface Progress {
  /** Changes that entered a pipeline. */
  entered: { pipeline: string; changeId: string }[];
  /** Changes known merged. */
  merged: string[];
}

/** Adds (or replaces) a parked change. */
export function park(list: readonly ParkedChange[], entry: ParkedChange): ParkedChange[] {
  return [...list.filter((p) => !(p.pipeline === entry.pipeline && p.changeId === entry.changeId)), entry];
}

/** Takes what `progress` satisfies off each entry's list; the entries with nothing left to wait for are ready. */
export function release(list: readonly ParkedChange[], progress: Progress): { ready: ParkedChange[]; waiting: ParkedChange[] } {
  const ready: ParkedChange[] = [];
  const waiting: ParkedChange[] = [];
  for (const entry of list) {
    const waitsFor = entry.waitsFor.filter(
      (id) => !progress.merged.includes(id) && !progress.entered.some((e) => e.pipeline === entry.pipeline && e.changeId === id),
    );
    (waitsFor.length === 0 ? ready : waiting).push({ ...entry, waitsFor });
  }
  return { ready, waiting };
}
