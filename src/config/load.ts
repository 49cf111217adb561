import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../errors.ts";
import type { SubmitType } from "../merger/types.ts";
import { crossCheck } from "./checks.ts";
import type {
  GateboxConfig,
  JobConfig,
  Listen,
  PipelineConfig,
  ProjectConfig,
  ProjectPipelineConfig,
  ReporterAction,
  SecretRef,
  TriggerConfig,
} from "./model.ts";
import { configSchema, type RawConfig, type RawJob, type RawProjectPipeline } from "./schema.ts";
import { windowParams } from "./window.ts";
import { formatPath, loadYaml, type PathKey, type SourceDoc, zodProblems } from "./yaml-source.ts";

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
  return normalize(file, parsed.data, doc);
}

/** The config `gatebox serve` runs on when there is no file: no Gerrit, nothing to gate yet. */
export function defaultConfig(): GateboxConfig {
  return normalize(null, configSchema.parse({}));
}

function parseListen(text: string): Listen {
  const at = text.lastIndexOf(":");
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(text.slice(at + 1)) };
}

/** start has `comment`, success has `submit`; where a key does not exist its value cannot vary. */
function reporter(
  raw: { gerrit?: { labels: Record<string, number>; submit?: boolean; comment?: boolean } | undefined } | undefined,
): ReporterAction | null {
  const g = raw?.gerrit;
  return g ? { labels: g.labels, submit: g.submit ?? false, comment: g.comment ?? true } : null;
}

/** The secret reference with the place that names it, so a missing secret's message leads there. */
function secretAt(ref: SecretRef, doc: SourceDoc | null, path: PathKey[]): SecretRef {
  const place = doc ? `${doc.file}:${doc.lineOf(path)}: ${formatPath(path)}` : formatPath(path);
  return { ...ref, place };
}

function normalizePipelines(raw: RawConfig): PipelineConfig[] {
  return raw.pipelines.map((p) => ({
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
    postReview: p["post-review"],
  }));
}

function normalizeJob(j: RawJob): JobConfig {
  return {
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
    separateStderr: j["separate-stderr"],
    dependencies: j.dependencies,
    executor: j.executor,
    secrets: [...j.secrets],
    outputLimit: j["output-limit"],
    artifactLimit: j["artifact-limit"],
  };
}

/** Each project's jobs per pipeline: its templates' first, then its own, each job once. */
function normalizeProjects(raw: RawConfig, pipelines: PipelineConfig[]): ProjectConfig[] {
  const templates = new Map(raw["project-templates"].map((t) => [t.name, t]));
  return raw.projects.map((p) => {
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
    const submitType = p["submit-type"] === undefined ? undefined : (p["submit-type"].toUpperCase().replaceAll("-", "_") as SubmitType);
    return { name: p.name, branch: p.branch, submitType, pipelines: perPipeline };
  });
}

function normalize(file: string | null, raw: RawConfig, doc: SourceDoc | null = null): GateboxConfig {
  const listen = parseListen(raw.web.listen);
  const g = raw.connections.gerrit;
  const pipelines = normalizePipelines(raw);
  return {
    file,
    dataDir: resolve(raw["data-dir"] ?? DEFAULT_DATA_DIR),
    workspaceDir: resolve(raw["workspace-dir"] ?? join(raw["data-dir"] ?? DEFAULT_DATA_DIR, "workspaces")),
    gerrit: g
      ? {
          url: g.url.replace(/\/+$/, ""),
          gitUrl: (g["git-url"] ?? g.url).replace(/\/+$/, ""),
          user: g.user,
          password: secretAt(g.password, doc, ["connections", "gerrit", "password"]),
          pollInterval: g["poll-interval"],
          fullSweepInterval: g["full-sweep-interval"],
          timeout: g.timeout,
        }
      : null,
    web: {
      listen,
      url: (raw.web.url ?? `http://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${listen.port}`).replace(/\/+$/, ""),
      adminToken: raw.web["admin-token"] ? secretAt(raw.web["admin-token"], doc, ["web", "admin-token"]) : null,
      consoleListen: raw.web["console-listen"] === false ? null : parseListen(raw.web["console-listen"]),
    },
    executors: raw.executors.length > 0 ? raw.executors.map((e) => ({ ...e })) : [{ name: "default", type: "docker", endpoint: undefined, capacity: 4 }],
    pipelines,
    jobs: new Map(raw.jobs.map((j) => [j.name, normalizeJob(j)])),
    projects: normalizeProjects(raw, pipelines),
    secrets: new Map(Object.entries(raw.secrets).map(([name, ref]) => [name, secretAt(ref, doc, ["secrets", name])])),
  };
}
