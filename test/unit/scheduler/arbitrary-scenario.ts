import fc from "fast-check";
import type { Scenario } from "../../../src/simulate/scenario.ts";

/**
 * Random small scenarios for property tests: every manager, small windows, shared and separate
 * queues, job dependencies, voting and not, fail-fast, capacity, merge delays, Depends-On, failures,
 * breaks, conflicts, submit failures and events. Durations come in steps of 10 so ties (and so the
 * ordering rules within one instant) happen often.
 */
export const arbitraryScenario: fc.Arbitrary<Scenario> = fc
  .record({
    manager: fc.constantFrom("dependent", "dependent", "serial", "independent"),
    window: fc.integer({ min: 0, max: 5 }),
    floor: fc.integer({ min: 1, max: 3 }),
    ceiling: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
    increaseType: fc.constantFrom("linear", "exponential"),
    decreaseType: fc.constantFrom("linear", "exponential"),
    mergeDuration: fc.constantFrom(0, 0, 10, 25),
    capacity: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
    jobCount: fc.integer({ min: 1, max: 3 }),
    jobSeeds: fc.array(fc.record({ d: fc.integer({ min: 1, max: 8 }), voting: fc.boolean(), dep: fc.boolean() }), {
      minLength: 3,
      maxLength: 3,
    }),
    sharedQueue: fc.boolean(),
    twoProjects: fc.boolean(),
    failFast: fc.boolean(),
    changeSeeds: fc.array(
      fc.record({
        at: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null, freq: 6 }),
        project: fc.integer({ min: 0, max: 1 }),
        dep: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 4 }),
        slow: fc.option(fc.integer({ min: 1, max: 12 }), { freq: 3 }),
      }),
      { minLength: 1, maxLength: 7 },
    ),
    failures: fc.array(
      fc.record({ job: fc.nat(2), change: fc.nat(6), with: fc.array(fc.nat(6), { maxLength: 2 }), without: fc.array(fc.nat(6), { maxLength: 1 }) }),
      { maxLength: 3 },
    ),
    breaks: fc.array(fc.record({ job: fc.nat(2), change: fc.nat(6) }), { maxLength: 2 }),
    conflicts: fc.array(fc.record({ change: fc.nat(6), with: fc.nat(6) }), { maxLength: 2 }),
    submitFailures: fc.array(fc.nat(6), { maxLength: 2 }),
    events: fc.array(
      fc.record({
        at: fc.integer({ min: 0, max: 30 }).map((t) => t * 10),
        type: fc.constantFrom("abandon", "new-patchset", "dequeue", "promote", "enqueue"),
        change: fc.nat(6),
      }),
      { maxLength: 3 },
    ),
  })
  .map((r) => {
    const jobs = r.jobSeeds.slice(0, r.jobCount).map((j, i) => ({
      name: `j${i}`,
      duration: j.d * 10,
      voting: i === 0 ? true : j.voting,
      dependencies: j.dep && i > 0 ? [`j${i - 1}`] : [],
    }));
    const projects = (r.twoProjects ? ["p0", "p1"] : ["p0"]).map((name, i) => ({
      name,
      jobs: i === 0 ? jobs.map((j) => j.name) : jobs.slice(0, 1).map((j) => j.name),
      queue: r.sharedQueue ? "shared" : undefined,
      failFast: r.failFast,
    }));
    const ids = r.changeSeeds.map((_, i) => String.fromCharCode(65 + i));
    const pick = (n: number) => ids[n % ids.length]!;
    const job = (n: number) => jobs[n % jobs.length]!.name;
    const changes = r.changeSeeds.map((c, i) => ({
      id: ids[i]!,
      project: projects[c.project % projects.length]!.name,
      at: c.at === null ? null : c.at * 10,
      dependsOn: c.dep !== null && i - c.dep >= 0 ? [ids[i - c.dep]!] : [],
      durations: c.slow === null ? {} : { [jobs[0]!.name]: c.slow * 10 },
    }));
    const scenario: Scenario = {
      file: "random.yaml",
      name: "random",
      manager: r.manager as Scenario["manager"],
      strategy: "zuul",
      window: {
        window: r.window,
        floor: r.floor,
        ceiling: r.ceiling,
        increaseType: r.increaseType as "linear" | "exponential",
        increaseFactor: r.increaseType === "linear" ? 1 : 2,
        decreaseType: r.decreaseType as "linear" | "exponential",
        decreaseFactor: r.decreaseType === "linear" ? 1 : 2,
      },
      mergeDuration: r.mergeDuration,
      projects,
      jobs,
      changes,
      failures: r.failures.map((f) => ({ job: job(f.job), change: pick(f.change), with: f.with.map(pick), without: f.without.map(pick) })),
      breaks: r.breaks.map((b) => ({ job: job(b.job), change: pick(b.change) })),
      submitFailures: new Set(r.submitFailures.map(pick)),
      conflicts: r.conflicts.map((c) => ({ change: pick(c.change), with: pick(c.with) })).filter((c) => c.change !== c.with),
      events: r.events.map((e) => ({ at: e.at, type: e.type as Scenario["events"][number]["type"], change: pick(e.change) })),
      bad: new Set<string>(),
      generated: false,
      capacity: r.capacity,
      expect: null,
    };
    return scenario;
  });

/**
 * The same scenarios run by the adaptive strategy: more changes, fewer executors (so it batches and
 * bisects), and sometimes a risk per change (so it hedges past the riskiest).
 */
export const adaptiveScenario: fc.Arbitrary<Scenario> = fc
  .tuple(
    arbitraryScenario,
    fc.record({
      extra: fc.array(fc.record({ at: fc.integer({ min: 0, max: 12 }), risk: fc.option(fc.constantFrom(0.05, 0.3, 0.9), { nil: undefined }) }), {
        maxLength: 5,
      }),
      capacity: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null, freq: 2 }),
      bad: fc.array(fc.nat(11), { maxLength: 3 }),
    }),
  )
  .map(([sc, r]) => {
    const first = sc.changes.length;
    const extra = r.extra.map((e, i) => ({
      id: String.fromCharCode(65 + first + i),
      project: sc.projects[0]!.name,
      at: e.at * 10,
      dependsOn: [],
      durations: {},
      ...(e.risk === undefined ? {} : { risk: e.risk }),
    }));
    const changes = [...sc.changes, ...extra];
    // Some changes break every state that holds them (the generated streams' bad changes).
    const breaks = [...sc.breaks, ...r.bad.map((n) => ({ job: sc.jobs[0]!.name, change: changes[n % changes.length]!.id }))];
    return { ...sc, strategy: "adaptive" as const, changes, breaks, capacity: r.capacity ?? sc.capacity };
  });
