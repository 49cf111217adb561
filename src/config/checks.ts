import type { RawConfig, RawPipeline, RawProjectPipeline } from "./schema.ts";
import { jobSecrets, secretsOnlyPostReview } from "./secret-checks.ts";
import { durationText } from "./units.ts";
import { type PathKey, problemAt, type SourceDoc } from "./yaml-source.ts";

/**
 * The rules that span fields (names that must exist, cycles, one value bounded by another, keys
 * that mean nothing for this kind of pipeline): they run once every field has the right shape,
 * and every problem is collected, each as `file:line: field: message`.
 */

export type Check = (doc: SourceDoc, raw: RawConfig, problem: (path: PathKey[], msg: string) => void) => void;

function uniqueNames(section: "pipelines" | "jobs" | "project-templates" | "executors"): Check {
  return (_doc, raw, problem) => {
    const seen = new Map<string, number>();
    raw[section].forEach((entry, i) => {
      const first = seen.get(entry.name);
      if (first !== undefined) problem([section, i, "name"], `duplicate name '${entry.name}' (first at ${section}[${first}])`);
      else seen.set(entry.name, i);
    });
  };
}

const jobDependencies: Check = (_doc, raw, problem) => {
  const byName = new Map(raw.jobs.map((j) => [j.name, j]));
  raw.jobs.forEach((j, i) => {
    j.dependencies.forEach((dep, d) => {
      if (!byName.has(dep)) problem(["jobs", i, "dependencies", d], `unknown job '${dep}'`);
    });
  });
  // A cycle would leave every job in it waiting forever.
  const state = new Map<string, "visiting" | "done">();
  const visit = (n: string, trail: string[]): string[] | null => {
    if (state.get(n) === "done") return null;
    if (state.get(n) === "visiting") return [...trail, n];
    state.set(n, "visiting");
    for (const dep of byName.get(n)?.dependencies ?? []) {
      const cycle = visit(dep, [...trail, n]);
      if (cycle) return cycle;
    }
    state.set(n, "done");
    return null;
  };
  raw.jobs.forEach((j, i) => {
    const cycle = visit(j.name, []);
    if (cycle) problem(["jobs", i, "dependencies"], `dependency cycle: ${cycle.join(" -> ")}`);
  });
};

const regexes: Check = (_doc, raw, problem) => {
  const tryRegex = (path: PathKey[], src: string | undefined) => {
    if (src === undefined) return;
    try {
      new RegExp(src);
    } catch (err) {
      problem(path, `invalid regular expression: ${(err as Error).message}`);
    }
  };
  raw.pipelines.forEach((p, i) => {
    p.trigger.gerrit.forEach((t, k) => {
      tryRegex(["pipelines", i, "trigger", "gerrit", k, "comment"], t.comment);
      tryRegex(["pipelines", i, "trigger", "gerrit", k, "branch"], t.branch);
    });
  });
};

const references: Check = (_doc, raw, problem) => {
  const pipelines = new Set(raw.pipelines.map((p) => p.name));
  const jobs = new Set(raw.jobs.map((j) => j.name));
  const templates = new Set(raw["project-templates"].map((t) => t.name));
  const executors = new Set(raw.executors.map((e) => e.name));
  const checkPipelines = (section: "project-templates" | "projects", i: number, entry: Record<string, unknown>, fixed: string[]) => {
    for (const [key, value] of Object.entries(entry)) {
      if (fixed.includes(key)) continue;
      if (!pipelines.has(key)) {
        problem([section, i, key], `unknown pipeline '${key}' (pipelines: ${[...pipelines].join(", ") || "none defined"})`);
        continue;
      }
      (value as RawProjectPipeline).jobs.forEach((jobName, k) => {
        if (!jobs.has(jobName)) problem([section, i, key, "jobs", k], `unknown job '${jobName}'`);
      });
    }
  };
  raw["project-templates"].forEach((t, i) => {
    checkPipelines("project-templates", i, t, ["name"]);
  });
  raw.projects.forEach((p, i) => {
    checkPipelines("projects", i, p, ["name", "branch", "templates", "queue", "submit-type"]);
    p.templates.forEach((t, k) => {
      if (!templates.has(t)) problem(["projects", i, "templates", k], `unknown project-template '${t}'`);
    });
  });
  raw.jobs.forEach((j, i) => {
    if (j.executor !== undefined && !executors.has(j.executor)) problem(["jobs", i, "executor"], `unknown executor '${j.executor}'`);
  });
  if (raw.projects.length > 0 && raw.connections.gerrit === undefined) {
    problem(["connections"], "projects are configured but connections.gerrit is missing");
  }
};

/** The value the file itself gives at `path` (undefined when a default applies). */
function written(doc: SourceDoc, path: readonly PathKey[]): unknown {
  let node: unknown = doc.value;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A full sweep more often than the polls would make every poll a full sweep. */
const gerritIntervals: Check = (doc, raw, problem) => {
  const g = raw.connections.gerrit;
  if (!g || g["full-sweep-interval"] >= g["poll-interval"]) return;
  const path = ["connections", "gerrit", "full-sweep-interval"];
  const dflt = written(doc, path) === undefined ? " (the default)" : "";
  problem(path, `must be at least poll-interval (${durationText(g["poll-interval"])}), got ${durationText(g["full-sweep-interval"])}${dflt}`);
};

const WINDOW_KEYS = [
  "window",
  "window-floor",
  "window-ceiling",
  "window-increase-type",
  "window-increase-factor",
  "window-decrease-type",
  "window-decrease-factor",
] as const;

/** The window's values must let it move between floor and ceiling; only dependent pipelines have one. */
function checkWindow(doc: SourceDoc, p: RawPipeline, i: number, problem: (path: PathKey[], msg: string) => void): void {
  const at = (key: string): PathKey[] => ["pipelines", i, key];
  if (p.manager !== "dependent") {
    // Independent pipelines run every item at once and serial ones one at a time (start.ts, layout.ts).
    for (const key of WINDOW_KEYS) {
      if (written(doc, at(key)) !== undefined) problem(at(key), `only dependent pipelines have a window (this one is ${p.manager})`);
    }
    return;
  }
  const { window, "window-floor": floor, "window-ceiling": ceiling } = p;
  if (ceiling !== null && ceiling < floor) problem(at("window-ceiling"), `must be at least window-floor (${floor})`);
  else if (window !== 0 && window < floor) problem(at("window"), `must be at least window-floor (${floor}), or 0 for no limit`);
  else if (window !== 0 && ceiling !== null && window > ceiling) problem(at("window"), `must be at most window-ceiling (${ceiling})`);
  // Multiplying or dividing by 1 leaves the window where it is: it would never grow or shrink.
  if (p["window-increase-type"] === "exponential" && p["window-increase-factor"] < 2) {
    problem(at("window-increase-factor"), `must be at least 2 with exponential increase, got ${p["window-increase-factor"]}`);
  }
  if (p["window-decrease-type"] === "exponential" && p["window-decrease-factor"] < 2) {
    problem(at("window-decrease-factor"), `must be at least 2 with exponential decrease, got ${p["window-decrease-factor"]}`);
  }
}

const pipelineSettings: Check = (doc, raw, problem) => {
  raw.pipelines.forEach((p, i) => {
    checkWindow(doc, p, i, problem);
    // Only dependent and serial pipelines submit (the scheduler never asks an independent one to).
    if (p.manager === "independent" && p.success?.gerrit?.submit) {
      problem(["pipelines", i, "success", "gerrit", "submit"], "only dependent and serial pipelines submit changes");
    }
  });
};

/** A per-pipeline `queue` under an independent pipeline: every item is tested alone there. */
const independentQueues: Check = (_doc, raw, problem) => {
  const independent = new Set(raw.pipelines.filter((p) => p.manager === "independent").map((p) => p.name));
  for (const section of ["project-templates", "projects"] as const) {
    raw[section].forEach((entry, i) => {
      for (const name of independent) {
        const pp = (entry as Record<string, unknown>)[name] as RawProjectPipeline | undefined;
        if (pp?.queue !== undefined) problem([section, i, name, "queue"], `pipeline ${name} is independent: its items share no queue`);
      }
    });
  }
};

/** A local executor runs builds as subprocesses here: a Docker endpoint would be ignored. */
const executorEndpoints: Check = (_doc, raw, problem) => {
  raw.executors.forEach((e, i) => {
    if (e.type === "local" && e.endpoint !== undefined) problem(["executors", i, "endpoint"], "only docker executors have an endpoint");
  });
};

const CHECKS: Check[] = [
  uniqueNames("pipelines"),
  uniqueNames("jobs"),
  uniqueNames("project-templates"),
  uniqueNames("executors"),
  jobDependencies,
  regexes,
  references,
  gerritIntervals,
  pipelineSettings,
  independentQueues,
  executorEndpoints,
  jobSecrets,
  secretsOnlyPostReview,
];

/** Every cross-field problem of a config whose fields already have the right shapes. */
export function crossCheck(doc: SourceDoc, raw: RawConfig): string[] {
  const problems: string[] = [];
  for (const check of CHECKS) check(doc, raw, (path, msg) => problems.push(problemAt(doc, path, msg)));
  return problems;
}
