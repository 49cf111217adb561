import { windowParams } from "../config/window.ts";
import { InputError } from "../errors.ts";
import { type PathKey, problemAt, type SourceDoc, loadYaml, zodProblems } from "../config/yaml-source.ts";
import type { Strategy, WindowParams } from "../scheduler/index.ts";
import { generateStream } from "./generate.ts";
import { type RawScenario, scenarioSchema } from "./scenario-schema.ts";

/** A scenario after validation and defaults: everything the runner needs, nothing optional. */
export interface Scenario {
  file: string;
  name: string;
  manager: "dependent" | "independent" | "serial";
  /** Dependent pipelines: how the gate chooses what to test (docs/strategy.md). */
  strategy: Strategy;
  window: WindowParams;
  mergeDuration: number;
  projects: { name: string; jobs: string[]; queue: string | undefined; failFast: boolean }[];
  jobs: { name: string; duration: number; voting: boolean; dependencies: string[] }[];
  changes: {
    id: string;
    project: string;
    at: number | null;
    dependsOn: string[];
    durations: Record<string, number>;
    /** The chance it fails by itself, told to the adaptive strategy (never decides a result). */
    risk?: number;
  }[];
  failures: { job: string; change: string; with: string[]; without: string[] }[];
  breaks: { job: string; change: string }[];
  submitFailures: Set<string>;
  conflicts: { change: string; with: string }[];
  events: { at: number; type: "abandon" | "new-patchset" | "dequeue" | "promote" | "enqueue"; change: string }[];
  /** Generated streams: the bad changes (they fail every voting job in any state holding them). */
  bad: Set<string>;
  generated: boolean;
  capacity: number | null;
  expect: Expectation | null;
}

export interface Expectation {
  merged?: string[];
  reported?: Record<string, number | string>;
  builds?: Record<string, number>;
  cancelled?: Record<string, number>;
  finishedAt?: number;
  resets?: number;
}

/** Parses and checks a scenario; throws one InputError listing every problem as file:line: field: message. */
export function parseScenario(file: string, text: string): Scenario {
  const doc = loadYaml(file, text);
  const parsed = scenarioSchema.safeParse(doc.value ?? {});
  if (!parsed.success) {
    const problems = zodProblems(doc, parsed.error);
    throw new InputError(problems.join("\n"), problems, 2);
  }
  const problems = crossCheck(doc, parsed.data);
  if (problems.length > 0) throw new InputError(problems.join("\n"), problems, 2);
  return normalize(file, parsed.data);
}

function crossCheck(doc: SourceDoc, raw: RawScenario): string[] {
  const problems: string[] = [];
  const problem = (path: PathKey[], msg: string) => problems.push(problemAt(doc, path, msg));
  const jobs = new Set<string>();
  (raw.jobs ?? []).forEach((j, i) => {
    if (jobs.has(j.name)) problem(["jobs", i, "name"], `duplicate job '${j.name}'`);
    jobs.add(j.name);
    j.dependencies.forEach((d, k) => {
      if (!raw.jobs?.some((o) => o.name === d)) problem(["jobs", i, "dependencies", k], `unknown job '${d}'`);
    });
  });
  if (!raw.jobs) jobs.add("test1");
  const projects = new Set<string>();
  (raw.projects ?? []).forEach((p, i) => {
    if (projects.has(p.name)) problem(["projects", i, "name"], `duplicate project '${p.name}'`);
    projects.add(p.name);
    p.jobs?.forEach((j, k) => {
      if (!jobs.has(j)) problem(["projects", i, "jobs", k], `unknown job '${j}'`);
    });
  });
  if (raw.generate && raw.changes.length > 0) problem(["changes"], "give either changes or generate, not both");
  if (raw.generate && raw.failures.length > 0) problem(["failures"], "generated streams fail by failure-rate; drop failures");
  const ids = new Set<string>();
  if (raw.generate) for (let k = 1; k <= raw.generate.changes; k++) ids.add(`c${k}`);
  raw.changes.forEach((c, i) => {
    if (ids.has(c.id)) problem(["changes", i, "id"], `duplicate change '${c.id}'`);
    ids.add(c.id);
    if (c.project !== undefined && !projects.has(c.project) && !(raw.projects === undefined && c.project === "org/project")) {
      problem(["changes", i, "project"], `unknown project '${c.project}'`);
    }
    for (const j of Object.keys(c.durations)) if (!jobs.has(j)) problem(["changes", i, "durations", j], `unknown job '${j}'`);
  });
  const known = (path: PathKey[], id: string) => {
    if (!ids.has(id)) problem(path, `unknown change '${id}'`);
  };
  const knownJob = (path: PathKey[], j: string) => {
    if (!jobs.has(j)) problem(path, `unknown job '${j}'`);
  };
  raw.changes.forEach((c, i) => {
    c["depends-on"].forEach((d, k) => {
      known(["changes", i, "depends-on", k], d);
      if (d === c.id) problem(["changes", i, "depends-on", k], "a change cannot depend on itself");
    });
  });
  raw.failures.forEach((f, i) => {
    knownJob(["failures", i, "job"], f.job);
    known(["failures", i, "change"], f.change);
    f.with.forEach((w, k) => {
      known(["failures", i, "with", k], w);
    });
    f.without.forEach((w, k) => {
      known(["failures", i, "without", k], w);
    });
  });
  raw.breaks.forEach((b, i) => {
    knownJob(["breaks", i, "job"], b.job);
    known(["breaks", i, "change"], b.change);
  });
  raw["submit-failures"].forEach((s, i) => {
    known(["submit-failures", i], s);
  });
  raw.conflicts.forEach((c, i) => {
    known(["conflicts", i, "change"], c.change);
    known(["conflicts", i, "with"], c.with);
  });
  raw.events.forEach((e, i) => {
    known(["events", i, "change"], e.change);
  });
  return problems;
}

function normalize(file: string, raw: RawScenario): Scenario {
  const p = raw.pipeline;
  const jobs = raw.jobs ?? [{ name: "test1", duration: 60, voting: true, dependencies: [] }];
  const allJobs = jobs.map((j) => j.name);
  const projects = (raw.projects ?? [{ name: "org/project", "fail-fast": false }]).map((pr) => ({
    name: pr.name,
    jobs: "jobs" in pr && pr.jobs ? pr.jobs : allJobs,
    queue: "queue" in pr ? pr.queue : undefined,
    failFast: pr["fail-fast"],
  }));
  const first = projects[0]!.name;
  const stream = raw.generate
    ? generateStream({
        changes: raw.generate.changes,
        arrivalInterval: raw.generate["arrival-interval"],
        arrivalsPerHour: raw.generate["arrivals-per-hour"],
        failureRate: raw.generate["failure-rate"],
        seed: raw.generate.seed,
        ...(raw.generate.risky ? { risky: raw.generate.risky } : {}),
      })
    : [];
  return {
    file,
    name: raw.name,
    manager: p.manager,
    strategy: p.strategy,
    window: windowParams(p),
    mergeDuration: p["merge-duration"],
    projects,
    jobs,
    changes: raw.generate
      ? stream.map((c) => ({ id: c.id, project: first, at: c.at, dependsOn: [], durations: {}, ...(c.risk === undefined ? {} : { risk: c.risk }) }))
      : raw.changes.map((c) => ({
          id: c.id,
          project: c.project ?? first,
          at: c.at,
          dependsOn: c["depends-on"],
          durations: c.durations,
          ...(c.risk === undefined ? {} : { risk: c.risk }),
        })),
    failures: raw.failures,
    breaks: raw.breaks,
    submitFailures: new Set(raw["submit-failures"]),
    conflicts: raw.conflicts,
    events: raw.events,
    bad: new Set(stream.filter((c) => c.bad).map((c) => c.id)),
    generated: raw.generate !== undefined,
    capacity: raw.capacity,
    expect: raw.expect ?? null,
  };
}
