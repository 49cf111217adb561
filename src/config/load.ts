import { join, resolve } from "node:path";
import { InputError } from "../errors.ts";
import type { SubmitType } from "../merger/types.ts";
import { crossCheck } from "./checks.ts";
import { hostInUrl, parseHostPort } from "./listen.ts";
import type {
  ExecutorConfig,
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
import { problemsError } from "./problems.ts";
import { readSmallFile } from "./read-file.ts";
import { fromParsed, pipelineEntry, salvage } from "./salvage.ts";
import { configSchema, type RawConfig, type RawJob } from "./schema.ts";
import { windowParams } from "./window.ts";
import { formatPath, MAX_YAML_BYTES, type PathKey, readYaml, type SourceDoc, zodIssues } from "./yaml-source.ts";

export const DEFAULT_DATA_DIR = ".gatebox";

/** Reads and validates a config file; throws one InputError carrying every problem at once. */
export function loadConfigFile(file: string): GateboxConfig {
  const read = readSmallFile(file, MAX_YAML_BYTES);
  if ("code" in read) throw new InputError(`${file}: cannot read the config file (${read.code})`);
  if ("why" in read) throw new InputError(`${file}: ${read.why}`);
  return parseConfig(file, read.text);
}

/**
 * Checks the whole file in one run: YAML, schema and the cross-field rules together (salvage.ts),
 * every problem in file order. Throws an InputError (ConfigProblems) and nothing else, whatever
 * the text.
 */
export function parseConfig(file: string, text: string): GateboxConfig {
  const { doc, problems } = readYaml(file, text);
  const input = doc.value ?? {};
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) problems.push(...zodIssues(doc, parsed.error, configSchema));
  const cross = crossCheck(doc, parsed.success ? fromParsed(parsed.data) : salvage(input));
  problems.push(...cross.problems);
  if (problems.length > 0 || !parsed.success) throw problemsError(problems, cross.cut);
  return normalize(file, parsed.data, doc);
}

/** The config `gatebox serve` runs on when there is no file: no Gerrit, nothing to gate yet. */
export function defaultConfig(): GateboxConfig {
  return normalize(null, configSchema.parse({}));
}

/** A listen address the schema has checked. */
function parseListen(text: string): Listen {
  const listen = parseHostPort(text);
  if (typeof listen === "string") throw new Error(`unchecked listen address '${text}': ${listen}`);
  return listen;
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
    timers: p.trigger.timer.map((t) => ({ cron: t.cron.trim() })),
    require: { approvals: p.require?.gerrit.approvals ?? {} },
    start: reporter(p.start),
    success: reporter(p.success),
    failure: reporter(p.failure),
    window: windowParams(p),
    postReview: p["post-review"],
    strategy: p.strategy,
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
    retryFlaky: j["retry-flaky"],
    ...(j["retry-flaky-above"] !== undefined ? { retryFlakyAbove: j["retry-flaky-above"] } : {}),
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

/** Key files are resolved against the directory gatebox starts in, as data-dir is. */
function normalizeExecutor(e: RawConfig["executors"][number]): ExecutorConfig {
  const tls = e.tls ? { ca: resolve(e.tls.ca), cert: resolve(e.tls.cert), key: resolve(e.tls.key) } : undefined;
  return {
    name: e.name,
    type: e.type,
    endpoint: e.endpoint,
    capacity: e.capacity,
    ...(tls ? { tls } : {}),
    ...(e["ssh-key"] !== undefined ? { sshKey: resolve(e["ssh-key"]) } : {}),
    ...(e["ssh-host-key"] ? { sshHostKey: [...e["ssh-host-key"]] } : {}),
    ...(e.insecure ? { insecure: true } : {}),
  };
}

/**
 * Each project's jobs per pipeline: its templates' first, then its own, each job once; pipelines
 * in the order they are defined. Linear in what the project and its templates list.
 */
function normalizeProjects(raw: RawConfig, pipelines: PipelineConfig[]): ProjectConfig[] {
  const templates = new Map(raw["project-templates"].map((t) => [t.name, t]));
  const order = new Map(pipelines.map((pl, i) => [pl.name, i]));
  return raw.projects.map((p) => {
    const building = new Map<string, ProjectPipelineConfig & { seen: Set<string> }>();
    const sources: object[] = [...p.templates.flatMap((t) => templates.get(t) ?? []), p];
    for (const source of sources) {
      for (const name of Object.keys(source)) {
        const entry = order.has(name) ? pipelineEntry(source, name) : undefined;
        if (!entry) continue;
        const current = building.get(name) ?? { jobs: [], queue: p.queue ?? p.name, failFast: false, seen: new Set<string>() };
        for (const jobName of entry.jobs) {
          if (current.seen.has(jobName)) continue;
          current.seen.add(jobName);
          current.jobs.push(jobName);
        }
        if (entry.queue !== undefined) current.queue = entry.queue;
        if (entry["fail-fast"] !== undefined) current.failFast = entry["fail-fast"];
        building.set(name, current);
      }
    }
    const perPipeline = new Map<string, ProjectPipelineConfig>();
    const names = [...building.keys()].sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
    for (const name of names) {
      const { jobs, queue, failFast } = building.get(name) as ProjectPipelineConfig;
      perPipeline.set(name, { jobs, queue, failFast });
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
      url: (raw.web.url ?? `http://${hostInUrl(listen.host)}:${listen.port}`).replace(/\/+$/, ""),
      adminToken: raw.web["admin-token"] ? secretAt(raw.web["admin-token"], doc, ["web", "admin-token"]) : null,
      consoleListen: raw.web["console-listen"] === false ? null : parseListen(raw.web["console-listen"]),
    },
    executors: raw.executors.length > 0 ? raw.executors.map(normalizeExecutor) : [{ name: "default", type: "docker", endpoint: undefined, capacity: 4 }],
    pipelines,
    jobs: new Map(raw.jobs.map((j) => [j.name, normalizeJob(j)])),
    projects: normalizeProjects(raw, pipelines),
    secrets: new Map(Object.entries(raw.secrets).map(([name, ref]) => [name, secretAt(ref, doc, ["secrets", name])])),
    retention: { builds: raw.retention.builds, logs: raw.retention.logs, logsSize: raw.retention["logs-size"] },
  };
}
