import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command } from "../../../src/scheduler/index.ts";
import { runScenario } from "../../../src/simulate/run.ts";
import { parseScenario } from "../../../src/simulate/scenario.ts";
import { adaptiveScenario, arbitraryScenario } from "./arbitrary-scenario.ts";
import { checkInvariants } from "./invariants.ts";

/**
 * Invariants over random scenarios run through the real core by the simulator (invariants.ts), for
 * both strategies. fast-check shrinks a failing scenario to a small counterexample.
 */
const runs = (n: number) => Number(process.env.PROP_RUNS ?? n);
const seed = (n: number) => Number(process.env.PROP_SEED ?? n);

describe("scheduler invariants over random scenarios", () => {
  it("hold for 2,000 scenarios (zuul)", () => {
    fc.assert(
      fc.property(arbitraryScenario, (sc) => {
        checkInvariants(sc);
      }),
      { numRuns: runs(2000), seed: seed(20240611) },
    );
  });

  it("hold for 3,000 scenarios (adaptive: batches, bisection, hedges, risks)", () => {
    fc.assert(
      fc.property(adaptiveScenario, (sc) => {
        checkInvariants(sc);
      }),
      { numRuns: runs(3000), seed: seed(20250101) },
    );
  });

  it("persisting and restoring the core after every event changes nothing", () => {
    fc.assert(
      fc.property(fc.oneof(arbitraryScenario, adaptiveScenario), (sc) => {
        const plain = runScenario(sc).outcome;
        const restored = runScenario(sc, { roundTrip: true }).outcome;
        expect(restored).toEqual(plain);
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it("is deterministic: the same scenario gives the same outcome", () => {
    fc.assert(
      fc.property(fc.oneof(arbitraryScenario, adaptiveScenario), (sc) => {
        expect(runScenario(sc).outcome).toEqual(runScenario(sc).outcome);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

/** The commands a run emits, without the fields only the adaptive strategy adds. */
function commands(sc: Parameters<typeof runScenario>[0], strategy: "zuul" | "adaptive"): string[] {
  const out: string[] = [];
  runScenario(sc, {
    strategy,
    observe: (_ev, cmds: readonly Command[]) => {
      for (const c of cmds) {
        const { mergeId, provedBy, covers, ...rest } = c as Record<string, unknown>;
        out.push(JSON.stringify(c.type === "report" || c.type === "start-build" ? rest : c));
        void mergeId;
        void provedBy;
        void covers;
      }
    },
  });
  return out;
}

describe("adaptive strategy", () => {
  it("with one item in the queue is plain Zuul: the same commands", () => {
    fc.assert(
      fc.property(
        arbitraryScenario.filter((sc) => sc.manager === "dependent"),
        (sc) => {
          const one = { ...sc, changes: sc.changes.slice(0, 1).map((c) => ({ ...c, at: 0, dependsOn: [] })) };
          const ids = new Set(one.changes.map((c) => c.id));
          const only = { ...one, events: one.events.filter((e) => ids.has(e.change) && e.type !== "enqueue") };
          expect(commands(only, "adaptive")).toEqual(commands(only, "zuul"));
        },
      ),
      { numRuns: 500, seed: 5 },
    );
  });

  it("votes down exactly the bad changes of a generated stream and merges every other one", () => {
    fc.assert(
      fc.property(
        fc.record({
          rate: fc.constantFrom(0.05, 0.2, 0.4),
          capacity: fc.integer({ min: 1, max: 12 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          jobs: fc.constantFrom(1, 2),
        }),
        (r) => {
          const jobs = r.jobs === 1 ? "[{name: t, duration: 600}]" : "[{name: t, duration: 600}, {name: u, duration: 300}]";
          const text = `name: s\npipeline: {strategy: adaptive}\njobs: ${jobs}\ngenerate: {changes: 40, arrival-interval: 30, failure-rate: ${r.rate}, seed: ${r.seed}}\ncapacity: ${r.capacity}\n`;
          const sc = parseScenario("s.yaml", text);
          const { outcome } = checkInvariants(sc);
          for (const c of sc.changes) expect(outcome.reported[c.id]).toBe(sc.bad.has(c.id) ? -1 : 1);
          expect(outcome.merged).toEqual(sc.changes.filter((c) => !sc.bad.has(c.id)).map((c) => c.id));
        },
      ),
      { numRuns: 150, seed: 3 },
    );
  });
});
