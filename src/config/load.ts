import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../errors.ts";
import type { SubmitType } from "../merger/types.ts";
import type {
  GateboxConfig,
  JobConfig,
  Listen,
  PipelineConfig,
  ProjectConfig,
  ProjectPipelineConfig,
  ReporterAction,
  TriggerConfig,
} from "./model.ts";
import { configSchema, type RawConfig, type RawProjectPipeline } from "./schema.ts";
import { windowParams } from "./window.ts";
import { type PathKey, problemAt, type SourceDoc, loadYaml, zodProblems } from "./yaml-source.ts";

export const DEFAULT_DATA_DIR = ".gatebox";

/** Reads and validates a config file; throws one InputError carrying every problem at once. */
export function loadConfigFile(file: string): GateboxConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: cannot read the config file (${code ?? String(err)})`);
  }
  return parseConfig(file, text);
}

export function parseConfig(file: string, text: string): GateboxConfig {
  const doc = loadYaml(file, text);
  const parsed = configSchema.safeParse(doc.value ?? {});
  if (!parsed.success) {
    const problems = zodProblems(doc, parsed.error);
    throw new InputError(problems.join("\n"), problems);
  }
  const problems = crossCheck(doc, parsed.data);
  if (problems.length > 0) throw new InputError(problems.join("\n"), problems);
  return normalize(file, parsed.data);
}

/** The config `gatebox serve` runs on when there is no file: no Gerrit, nothing to gate yet. */
export function defaultConfig(): GateboxConfig {
  return normalize(null, configSchema.parse({}));
}

type Check = (doc: SourceDoc, raw: RawConfig, problem: (path: PathKey[], msg: string) => void) => void;

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
  raw.pipelines.forEach((p, i) => {
    if (p["window-ceiling"] !== null && p["window-ceiling"] < p["window-floor"]) {
      problem(["pipelines", i, "window-ceiling"], `must be at least window-floor (${p["window-floor"]})`);
    }
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
];

function crossCheck(doc: SourceDoc, raw: RawConfig): string[] {
  const problems: string[] = [];
  for (const check of CHECKS) check(doc, raw, (path, msg) => problems.push(problemAt(doc, path, msg)));
  return problems;
}

function parseListen(text: string): Listen {
  const at = text.lastIndexOf(":");
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(text.slice(at + 1)) };
}

function reporter(raw: { gerrit?: { labels: Record<string, number>; submit: boolean; comment: boolean } } | undefined): ReporterAction | null {
  return raw?.gerrit ? { labels: raw.gerrit.labels, submit: raw.gerrit.submit, comment: raw.gerrit.comment } : null;
}

function normalize(file: string | null, raw: RawConfig): GateboxConfig {
  const listen = parseListen(raw.web.listen);
  const g = raw.connections.gerrit;
  const pipelines: PipelineConfig[] = raw.pipelines.map((p) => ({
    name: p.name,
    description: p.description,
    manager: p.manager,
    precedence: p.precedence,
    triggers: p.trigger.gerrit.map(
      (t): TriggerConfig => ({
        event: t.event,
        ...(t.approval ? { approval: t.approval } : {}),
        ...(t.comment !== undefined ? { comment: new RegExp(t.comment, "im") } : {}),
        ...(t.branch !== undefined ? { branch: new RegExp(t.branch) } : {}),
      }),
    ),
    require: { approvals: p.require?.gerrit.approvals ?? {} },
    start: reporter(p.start),
    success: reporter(p.success),
    failure: reporter(p.failure),
    window: windowParams(p),
  }));
  const jobs = new Map<string, JobConfig>(
    raw.jobs.map((j) => [
      j.name,
      {
        name: j.name,
        description: j.description,
        image: j.image,
        run: j.run,
        env: j.env,
        timeout: j.timeout,
        workdir: j.workdir,
        memory: j.memory,
        cpus: j.cpus,
        pids: j.pids,
        user: j.user,
        attempts: j.attempts,
        network: j.network,
        voting: j.voting,
        dependencies: j.dependencies,
        executor: j.executor,
      },
    ]),
  );
  const templates = new Map(raw["project-templates"].map((t) => [t.name, t]));
  const projects: ProjectConfig[] = raw.projects.map((p) => {
    const perPipeline = new Map<string, ProjectPipelineConfig>();
    const sources = [...p.templates.map((t) => templates.get(t) as Record<string, unknown>), p as Record<string, unknown>];
    for (const source of sources) {
      for (const pl of pipelines) {
        const entry = source[pl.name] as RawProjectPipeline | undefined;
        if (!entry) continue;
        const current = perPipeline.get(pl.name) ?? { jobs: [], queue: p.queue ?? p.name, failFast: false };
        for (const jobName of entry.jobs) {
          if (!current.jobs.includes(jobName)) current.jobs.push(jobName);
        }
        if (entry.queue !== undefined) current.queue = entry.queue;
        if (entry["fail-fast"] !== undefined) current.failFast = entry["fail-fast"];
        perPipeline.set(pl.name, current);
      }
    }
    return { name: p.name, branch: p.branch, submitType: p["submit-type"] === undefined ? undefined : (p["submit-type"].toUpperCase().replaceAll("-", "_") as SubmitType), pipelines: perPipeline };
  });
  return {
    file,
    dataDir: resolve(raw["data-dir"] ?? DEFAULT_DATA_DIR),
    workspaceDir: resolve(raw["workspace-dir"] ?? join(raw["data-dir"] ?? DEFAULT_DATA_DIR, "workspaces")),
    gerrit: g
      ? {
          url: g.url.replace(/\/+$/, ""),
          gitUrl: (g["git-url"] ?? g.url).replace(/\/+$/, ""),
          user: g.user,
          password: g.password,
          pollInterval: g["poll-interval"],
          fullSweepInterval: g["full-sweep-interval"],
          timeout: g.timeout,
        }
      : null,
    web: {
      listen,
      url: (raw.web.url ?? `http://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${listen.port}`).replace(/\/+$/, ""),
      adminToken: raw.web["admin-token"] ?? null,
      consoleListen: raw.web["console-listen"] === false ? null : parseListen(raw.web["console-listen"]),
    },
    executors: raw.executors.length > 0 ? raw.executors.map((e) => ({ ...e })) : [{ name: "default", type: "docker", endpoint: undefined, capacity: 4 }],
    pipelines,
    jobs,
    projects,
  };
}
