import fc from "fast-check";
import type { Scenario } from "../../../src/simulate/scenario.ts";
import { arbitraryScenario } from "./arbitrary-scenario.ts";

/**
 * Random crowded gates for lazy merging (reach.ts): the random scenarios of arbitrary-scenario.ts
 * with up to 14 more changes arriving early, few executors and windows wider than they are, so most
 * items wait for an executor and only some are within reach of one.
 */
export const crowdedScenario: fc.Arbitrary<Scenario> = fc
  .tuple(
    arbitraryScenario.filter((sc) => sc.manager !== "independent"),
    fc.record({
      extra: fc.array(fc.record({ at: fc.integer({ min: 0, max: 8 }), slow: fc.option(fc.integer({ min: 1, max: 12 }), { freq: 3 }) }), {
        minLength: 4,
        maxLength: 14,
      }),
      capacity: fc.integer({ min: 1, max: 4 }),
      window: fc.constantFrom(0, 3, 8),
      bad: fc.array(fc.nat(20), { maxLength: 3 }),
    }),
  )
  .map(([sc, r]) => {
    const first = sc.changes.length;
    const job = sc.jobs[0]!.name;
    const extra = r.extra.map((e, i) => ({
      id: String.fromCharCode(65 + first + i),
      project: sc.projects[i % sc.projects.length]!.name,
      at: e.at * 10,
      dependsOn: [],
      durations: e.slow === null ? {} : { [job]: e.slow * 10 },
    }));
    const changes = [...sc.changes, ...extra];
    const breaks = [...sc.breaks, ...r.bad.map((n) => ({ job, change: changes[n % changes.length]!.id }))];
    // An explicit ceiling, so the default one (window.ts) never decides: only the merges differ.
    const window = sc.manager === "serial" ? sc.window : { ...sc.window, window: r.window, ceiling: 12 };
    return { ...sc, changes, breaks, window, capacity: r.capacity };
  });
