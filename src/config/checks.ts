import { listNames, type Problem } from "./problems.ts";
import { type CheckInput, type Entry, type ListSection, own, pipelineEntry } from "./salvage.ts";
import type { RawJob, RawPipeline } from "./schema.ts";
import { jobSecrets, secretsOnlyPostReview } from "./secret-checks.ts";
import { budgetedHint, type Hint } from "./suggest.ts";
import { durationText } from "./units.ts";
import { locate, type PathKey, type SourceDoc } from "./yaml-source.ts";

/**
 * The rules that span fields (names that must exist, cycles, one value bounded by another, keys
 * that mean nothing for this kind of pipeline). They run on whatever has the right shape, also when
 * other fields do not (salvage.ts), and every problem is collected, each as `file:line: field: message`.
 * Each check is linear in the size of the config (give or take a sort).
 */

export type Check = (doc: SourceDoc, input: CheckInput, problem: (path: PathKey[], msg: string) => void, hint: Hint) => void;

function uniqueNames(section: ListSection): Check {
  return (_doc, input, problem) => {
    const seen = new Map<string, number>();
    for (const { i, name } of input.names[section]) {
      const first = seen.get(name);
      if (first !== undefined) problem([section, i, "name"], `duplicate name '${name}' (first at ${section}[${first}])`);
      else seen.set(name, i);
    }
  };
}

const jobDependencies: Check = (_doc, input, problem, hint) => {
  const known = new Set(input.names.jobs.map((n) => n.name));
  for (const { i, v } of input.jobs) {
    v.dependencies.forEach((dep, d) => {
      if (!known.has(dep)) problem(["jobs", i, "dependencies", d], `unknown job '${dep}'${hint(dep, known)}`);
    });
  }
  // A cycle would leave every job in it waiting forever.
  for (const { i, cycle } of dependencyCycles(input.jobs)) problem(["jobs", i, "dependencies"], `dependency cycle: ${cycle.join(" -> ")}`);
};

/**
 * One cycle per job a depth-first search starts from (without recursion: a chain of thousands of
 * jobs must not overflow the stack), in linear time.
 */
function dependencyCycles(jobs: Entry<RawJob>[]): { i: number; cycle: string[] }[] {
  const byName = new Map<string, RawJob>();
  for (const { v } of jobs) if (!byName.has(v.name)) byName.set(v.name, v);
  const state = new Map<string, "visiting" | "done">();
  const found: { i: number; cycle: string[] }[] = [];
  for (const root of jobs) {
    if (state.has(root.v.name)) continue;
    const trail: string[] = [root.v.name];
    const next: number[] = [0];
    state.set(root.v.name, "visiting");
    let reported = false;
    while (trail.length > 0) {
      const top = trail.length - 1;
      const deps = byName.get(trail[top] as string)?.dependencies ?? [];
      const k = next[top] as number;
      if (k >= deps.length) {
        state.set(trail.pop() as string, "done");
        next.pop();
        continue;
      }
      next[top] = k + 1;
      const dep = deps[k] as string;
      const s = state.get(dep);
      if (s === "visiting" && !reported) {
        found.push({ i: root.i, cycle: [...trail.slice(trail.indexOf(dep)), dep] });
        reported = true;
      } else if (s === undefined && byName.has(dep)) {
        state.set(dep, "visiting");
        trail.push(dep);
        next.push(0);
      }
    }
  }
  return found;
}

const regexes: Check = (_doc, input, problem) => {
  const tryRegex = (path: PathKey[], src: string | undefined) => {
    if (src === undefined) return;
    try {
      new RegExp(src);
    } catch (err) {
      problem(path, `invalid regular expression: ${(err as Error).message}`);
    }
  };
  for (const { i, v } of input.pipelines) {
    v.trigger.gerrit.forEach((t, k) => {
      tryRegex(["pipelines", i, "trigger", "gerrit", k, "comment"], t.comment);
      tryRegex(["pipelines", i, "trigger", "gerrit", k, "branch"], t.branch);
    });
  }
};

const TEMPLATE_KEYS = ["name"];
const PROJECT_KEYS = ["name", "branch", "templates", "queue", "submit-type"];

/** Projects use these keys for their own settings: a pipeline of that name could never be listed. */
const reservedPipelineNames: Check = (_doc, input, problem) => {
  for (const { i, name } of input.names.pipelines) {
    if (PROJECT_KEYS.includes(name)) problem(["pipelines", i, "name"], `cannot be '${name}': projects use that key for their own ${name}`);
  }
};

const references: Check = (_doc, input, problem, hint) => {
  const pipelines = new Set(input.names.pipelines.map((n) => n.name));
  const jobs = new Set(input.names.jobs.map((n) => n.name));
  const templates = new Set(input.names["project-templates"].map((n) => n.name));
  const executors = new Set(input.names.executors.map((n) => n.name));
  const listed = listNames(pipelines);
  const checkPipelines = (section: ListSection, i: number, entry: object, fixed: string[]) => {
    for (const key of Object.keys(entry)) {
      if (fixed.includes(key)) continue;
      if (!pipelines.has(key)) {
        const hintText = hint(key, pipelines) || hint(key, fixed);
        problem([section, i, key], `unknown pipeline '${key}'${hintText} (pipelines: ${listed})`);
        continue;
      }
      pipelineEntry(entry, key)?.jobs.forEach((jobName, k) => {
        if (!jobs.has(jobName)) problem([section, i, key, "jobs", k], `unknown job '${jobName}'${hint(jobName, jobs)}`);
      });
    }
  };
  for (const { i, v } of input.templates) checkPipelines("project-templates", i, v, TEMPLATE_KEYS);
  for (const { i, v } of input.projects) {
    checkPipelines("projects", i, v, PROJECT_KEYS);
    v.templates.forEach((t, k) => {
      if (!templates.has(t)) problem(["projects", i, "templates", k], `unknown project-template '${t}'${hint(t, templates)}`);
    });
  }
  for (const { i, v } of input.jobs) {
    if (v.executor !== undefined && !executors.has(v.executor)) {
      problem(["jobs", i, "executor"], `unknown executor '${v.executor}'${hint(v.executor, executors)}`);
    }
  }
  if (input.projectCount > 0 && input.connections !== null && input.connections.gerrit === undefined) {
    problem(["connections"], "projects are configured but connections.gerrit is missing");
  }
};

/** The value the file itself gives at `path` (undefined when a default applies). */
function written(doc: SourceDoc, path: readonly PathKey[]): unknown {
  let node: unknown = doc.value;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = own(node, String(key));
  }
  return node;
}

/** A full sweep more often than the polls would make every poll a full sweep. */
const gerritIntervals: Check = (doc, input, problem) => {
  const g = input.connections?.gerrit;
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
    if (written(doc, at("strategy")) !== undefined) problem(at("strategy"), `only dependent pipelines have a strategy (this one is ${p.manager})`);
    return;
  }
  const { window, "window-floor": floor, "window-ceiling": ceiling } = p;
  if (ceiling != null && ceiling < floor) problem(at("window-ceiling"), `must be at least window-floor (${floor})`);
  else if (window !== 0 && window < floor) problem(at("window"), `must be at least window-floor (${floor}), or 0 for no limit`);
  else if (window !== 0 && ceiling != null && window > ceiling) problem(at("window"), `must be at most window-ceiling (${ceiling})`);
  // Multiplying or dividing by 1 leaves the window where it is: it would never grow or shrink.
  if (p["window-increase-type"] === "exponential" && p["window-increase-factor"] < 2) {
    problem(at("window-increase-factor"), `must be at least 2 with exponential increase, got ${p["window-increase-factor"]}`);
  }
  if (p["window-decrease-type"] === "exponential" && p["window-decrease-factor"] < 2) {
    problem(at("window-decrease-factor"), `must be at least 2 with exponential decrease, got ${p["window-decrease-factor"]}`);
  }
}

/** Rules between an entry's own values: only for entries whose every value is the file's. */
const pipelineSettings: Check = (doc, input, problem) => {
  for (const { i, v: p, partial } of input.pipelines) {
    if (partial) continue;
    checkWindow(doc, p, i, problem);
    // Only dependent and serial pipelines submit (the scheduler never asks an independent one to).
    if (p.manager === "independent" && p.success?.gerrit?.submit) {
      problem(["pipelines", i, "success", "gerrit", "submit"], "only dependent and serial pipelines submit changes");
    }
  }
};

/** A per-pipeline `queue` under an independent pipeline: every item is tested alone there. */
const independentQueues: Check = (_doc, input, problem) => {
  const independent = new Set(input.pipelines.filter((p) => !p.partial && p.v.manager === "independent").map((p) => p.v.name));
  const check = (section: ListSection, { i, v }: Entry<object>) => {
    for (const name of Object.keys(v)) {
      const pp = independent.has(name) ? pipelineEntry(v, name) : undefined;
      if (pp?.queue !== undefined) problem([section, i, name, "queue"], `pipeline ${name} is independent: its items share no queue`);
    }
  };
  for (const e of input.templates) check("project-templates", e);
  for (const e of input.projects) check("projects", e);
};

/** A local executor runs builds as subprocesses here: a Docker endpoint would be ignored. */
const executorEndpoints: Check = (_doc, input, problem) => {
  for (const { i, v } of input.executors) {
    if (v.type === "local" && v.endpoint !== undefined) problem(["executors", i, "endpoint"], "only docker executors have an endpoint");
  }
};

const CHECKS: Check[] = [
  uniqueNames("pipelines"),
  uniqueNames("jobs"),
  uniqueNames("project-templates"),
  uniqueNames("executors"),
  jobDependencies,
  regexes,
  reservedPipelineNames,
  references,
  gerritIntervals,
  pipelineSettings,
  independentQueues,
  executorEndpoints,
  jobSecrets,
  secretsOnlyPostReview,
];

/** Problems one check may report before it is stopped: past that, more would not be read anyway. */
export const MAX_PER_CHECK = 100_000;

class Enough extends Error {}

/**
 * Every cross-field problem of what has the right shape. A check that finds more than
 * MAX_PER_CHECK is stopped there (`cut` says so), so a pathological file cannot make the checks
 * run in time proportional to the square of its size.
 */
export function crossCheck(doc: SourceDoc, input: CheckInput): { problems: Problem[]; cut: boolean } {
  const problems: Problem[] = [];
  const hint = budgetedHint();
  let cut = false;
  for (const check of CHECKS) {
    let n = 0;
    const problem = (path: PathKey[], msg: string) => {
      if (++n > MAX_PER_CHECK) throw new Enough();
      problems.push(locate(doc, path, msg));
    };
    try {
      check(doc, input, problem, hint);
    } catch (err) {
      if (!(err instanceof Enough)) throw err;
      cut = true;
    }
  }
  return { problems, cut };
}
