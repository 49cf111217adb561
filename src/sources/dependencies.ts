import type { Change } from "../scheduler/index.ts";
import type { ChangeLookup, Dependency } from "./source.ts";

/** What resolving needs of the source: a change by number, and open changes by Change-Id. */
export type DependencyLookup = Pick<ChangeLookup, "change" | "openByChangeId">;

/** At most this many changes are followed through Depends-On chains (a loop or a huge web stops here). */
export const MAX_DEPENDENCIES = 50;

/**
 * Resolves Depends-On footers into the scheduler's terms (REST-SUBSET.md, "Commit-message
 * footers"): URL forms name one change, a Change-Id names every open change with it; merged
 * dependencies are left out (they are satisfied). `dependsOn` are the direct ones (an abandoned
 * one stays, so the gate refuses the change and says why); `needs` are every open dependency,
 * transitively, with their records, for independent pipelines to merge into the item's state.
 */
export async function resolveDependencies(
  root: Change,
  footers: readonly Dependency[],
  lookup: DependencyLookup,
): Promise<{ dependsOn: string[]; needs: Change[] }> {
  const seen = new Set<string>([root.id]);
  const needs: Change[] = [];
  const numbersOf = async (deps: readonly Dependency[]): Promise<number[]> => {
    const out: number[] = [];
    for (const d of deps) {
      if (d.kind === "url") out.push(d.number);
      else out.push(...(await lookup.openByChangeId(d.changeId)));
    }
    return out;
  };
  const direct: string[] = [];
  let frontier = await numbersOf(footers);
  let first = true;
  while (frontier.length > 0 && seen.size <= MAX_DEPENDENCIES) {
    const next: number[] = [];
    for (const number of frontier) {
      const id = String(number);
      if (seen.has(id) || seen.size > MAX_DEPENDENCIES) continue;
      seen.add(id);
      const dep = await lookup.change(number);
      if (dep.status === "MERGED") continue;
      if (first) direct.push(id);
      if (dep.status !== "NEW") continue;
      needs.push(dep.record);
      next.push(...(await numbersOf(dep.dependsOn)));
    }
    frontier = next;
    first = false;
  }
  return { dependsOn: direct, needs };
}
