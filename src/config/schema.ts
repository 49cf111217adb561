import { Cron } from "croner";
import * as z from "zod";
import { DEFAULT_DOCKER_ENDPOINT, endpointProblems } from "../executor/docker/endpoint.ts";
import { envNameProblem } from "./env-names.ts";
import { DEFAULT_ARTIFACT_LIMIT, DEFAULT_OUTPUT_LIMIT, durationIn, LIMITS, numberIn, percentIn, sizeIn } from "./fields.ts";
import { parseHostPort } from "./listen.ts";

/** The shape of gatebox.yaml, as written by users (kebab-case keys, human units). */

const name = z.string().min(1, "must not be empty");
/** A file system path: no path holds a NUL byte (every file call would refuse it later, far from here). */
const path = name.refine((v) => !v.includes("\0"), "a path cannot contain a NUL byte");
/** `HOST:PORT` with a valid IPv4/IPv6 literal or host name and a port 1-65535 (listen.ts). */
const hostPort = z.string().superRefine((v, ctx) => {
  const parsed = parseHostPort(v);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
});

/** Where a secret comes from: an environment variable or a file, never the config itself. */
const secretRef = (what: string) =>
  z.object({ env: name.optional(), file: path.optional() }).strict().refine((s) => (s.env === undefined) !== (s.file === undefined), {
    message: `give exactly one of env or file for the ${what}`,
  });

const gerritConnection = z
  .object({
    url: z.url({ message: "expected the Gerrit base URL, e.g. https://review.example.org" }),
    user: name,
    password: secretRef("Gerrit HTTP password"),
    "git-url": z.url().optional(),
    "poll-interval": durationIn(LIMITS.pollInterval).default(20),
    "full-sweep-interval": durationIn(LIMITS.fullSweepInterval).default(600),
    timeout: durationIn(LIMITS.gerritTimeout).default(30),
  })
  .strict();

const approvals = z.record(z.string(), z.number().int());

/**
 * The events the Gerrit source emits (src/sources/source.ts TriggerEventType). A trigger on any
 * other event would be accepted and never fire, so it is refused here.
 */
export const TRIGGER_EVENTS = ["patchset-created", "comment-added", "change-merged", "change-abandoned", "change-restored"] as const;

const triggerEvent = z.enum(TRIGGER_EVENTS, {
  error: (issue) =>
    `${issue.input === undefined ? "missing" : `unknown event ${JSON.stringify(issue.input)}`} (events: ${TRIGGER_EVENTS.join(", ")})`,
});

const triggerItem = z
  .object({
    event: triggerEvent,
    approval: approvals.optional(),
    comment: z.string().optional(),
    branch: z.string().optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    // Only comment-added events carry a comment and votes: on any other event the filter never matches.
    if (t.event === "comment-added") return;
    for (const key of ["approval", "comment"] as const) {
      if (t[key] === undefined) continue;
      ctx.addIssue({ code: "custom", path: [key], message: `only comment-added events carry ${key === "approval" ? "votes" : "a comment"}: this trigger would never fire` });
    }
  });

/** A cron expression of five fields (or a nickname like @daily), in the server's local time. */
const cron = z.string().superRefine((text, ctx) => {
  const fields = text.trim().split(/\s+/);
  if (!text.trim().startsWith("@") && fields.length !== 5) {
    ctx.addIssue({ code: "custom", message: `expected 5 fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"; got ${fields.length}` });
    return;
  }
  try {
    new Cron(text.trim(), { paused: true });
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `not a cron expression: ${(err as Error).message}` });
  }
});

/** A periodic trigger: the pipeline's projects' branch tips are enqueued at these times. */
const timerItem = z.object({ cron }).strict();

/** gatebox votes one label per report (the first one would win silently otherwise). */
const labels = approvals.refine((l) => Object.keys(l).length <= 1, {
  message: "give one label to vote (e.g. {Verified: 1}): gatebox votes one label per report",
});

/** A pipeline reporter: the label to vote plus what this moment may do (`extra`). */
function reporterAction<S extends z.ZodRawShape>(extra: S) {
  return z.object({ gerrit: z.object({ labels: labels.default({}), ...extra }).strict().optional() }).strict();
}

/** start: whether to post "Starting <pipeline> jobs." (results are always posted with the vote). */
const startReporter = reporterAction({ comment: z.boolean().default(true) });
/** success: submit the change (dependent and serial pipelines). */
const successReporter = reporterAction({ submit: z.boolean().default(false) });
const failureReporter = reporterAction({});

const pipeline = z
  .object({
    name,
    description: z.string().optional(),
    manager: z.enum(["independent", "dependent", "serial"]),
    precedence: z.enum(["high", "normal", "low"]).default("normal"),
    trigger: z
      .object({ gerrit: z.array(triggerItem).default([]), timer: z.array(timerItem).default([]) })
      .strict()
      .refine((t) => t.gerrit.length + t.timer.length > 0, { message: "give at least one trigger: gerrit events or a timer" }),
    require: z.object({ gerrit: z.object({ approvals: approvals.default({}) }).strict() }).strict().optional(),
    start: startReporter.optional(),
    success: successReporter.optional(),
    failure: failureReporter.optional(),
    window: numberIn(LIMITS.window).default(20),
    "window-floor": numberIn(LIMITS.windowBound).default(3),
    // Absent: the scheduler's default (max(20, 2 × executors) for a zuul gate); null: no ceiling.
    "window-ceiling": numberIn(LIMITS.windowBound).nullable().optional(),
    "window-increase-type": z.enum(["linear", "exponential"]).default("linear"),
    "window-increase-factor": numberIn(LIMITS.windowFactor).default(1),
    "window-decrease-type": z.enum(["linear", "exponential"]).default("exponential"),
    "window-decrease-factor": numberIn(LIMITS.windowFactor).default(2),
    // Zuul's rule: gate and post run code a reviewer approved, check runs anyone's. Only these get secrets.
    "post-review": z.boolean().default(false),
    // How a dependent pipeline chooses what to test (docs/strategy.md).
    strategy: z.enum(["zuul", "adaptive"]).default("zuul"),
  })
  .strict()
  .superRefine((p, ctx) => {
    // A branch tip has no change to vote on or submit: timer items are tested, never landed.
    if (p.trigger.timer.length > 0 && p.manager !== "independent") {
      ctx.addIssue({ code: "custom", path: ["trigger", "timer"], message: "a timer trigger needs manager: independent (a branch tip has nothing to submit)" });
    }
  });

/** Refuses keys that cannot be a job's environment variable (invalid, or gatebox's own). */
function envNames(map: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(map)) {
    const why = envNameProblem(key);
    if (why !== null) ctx.addIssue({ code: "custom", path: [key], message: why });
  }
}

/** Variables of a job's environment; the executor refuses other names at build time, the config first. */
const jobEnv = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).superRefine(envNames);

/** Secrets jobs may ask for by name, each given to the build as the environment variable of that name. */
const secrets = z.record(z.string(), secretRef("secret")).superRefine(envNames);

const job = z
  .object({
    name,
    description: z.string().optional(),
    image: name,
    run: name,
    env: jobEnv.default({}),
    timeout: durationIn(LIMITS.jobTimeout).default(1800),
    workdir: z.string().regex(/^\//, "expected an absolute path in the container").default("/work"),
    memory: sizeIn(LIMITS.memory).optional(),
    cpus: numberIn(LIMITS.cpus, true).optional(),
    pids: numberIn(LIMITS.pids).default(1024),
    user: z.string().optional(),
    attempts: numberIn(LIMITS.attempts).default(3),
    // A failed build is run again on the same state before the scheduler hears of it (docs/jobs.md).
    "retry-flaky": numberIn(LIMITS.retryFlaky).default(0),
    "retry-flaky-above": percentIn().optional(),
    network: z.enum(["none", "bridge"]).default("none"),
    voting: z.boolean().default(true),
    // Keep stderr apart (marked in the console) at the cost of the exact order of output (docs/executor.md).
    "separate-stderr": z.boolean().default(false),
    dependencies: z.array(name).default([]),
    executor: name.optional(),
    // Names from the top-level `secrets:`; only pipelines with post-review: true may run the job.
    secrets: z.array(name).default([]),
    "output-limit": sizeIn(LIMITS.outputLimit).default(DEFAULT_OUTPUT_LIMIT),
    "artifact-limit": sizeIn(LIMITS.artifactLimit).default(DEFAULT_ARTIFACT_LIMIT),
  })
  .strict();

const projectPipeline = z
  .object({
    jobs: z.array(name).default([]),
    queue: name.optional(),
    "fail-fast": z.boolean().optional(),
  })
  .strict();

/** Project-templates and projects map pipeline names to their jobs: any other key is a pipeline. */
const template = z.object({ name }).catchall(projectPipeline);
const project = z
  .object({
    name,
    branch: z.string().optional(),
    templates: z.array(name).default([]),
    queue: name.optional(),
    "submit-type": z
      .enum(["merge-if-necessary", "merge-always", "cherry-pick", "rebase-if-necessary", "rebase-always", "fast-forward-only"])
      .optional(),
  })
  .catchall(projectPipeline);

const executorShape = z
  .object({
    name,
    type: z.enum(["docker", "local"]),
    endpoint: z.string().optional(),
    // Remote engines (docs/executor.md): TLS for tcp://, a key and the host's key for ssh://.
    tls: z.object({ ca: name, cert: name, key: name }).strict().optional(),
    "ssh-key": name.optional(),
    "ssh-host-key": z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(name).min(1)).optional(),
    insecure: z.boolean().default(false),
    capacity: numberIn(LIMITS.capacity).default(4),
  })
  .strict();
const executor = executorShape.superRefine(executorAccess);

/** Docker only: the endpoint with its access settings must make sense together (endpoint.ts). */
function executorAccess(e: z.output<typeof executorShape>, ctx: z.RefinementCtx): void {
  const access = { tls: e.tls, sshKey: e["ssh-key"], sshHostKey: e["ssh-host-key"], insecure: e.insecure };
  if (e.type === "docker") {
    for (const p of endpointProblems(e.endpoint ?? DEFAULT_DOCKER_ENDPOINT, access)) ctx.addIssue({ code: "custom", path: [p.field], message: p.message });
    return;
  }
  const set = { tls: access.tls, "ssh-key": access.sshKey, "ssh-host-key": access.sshHostKey, insecure: access.insecure || undefined };
  for (const [key, value] of Object.entries(set)) {
    if (value !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `only docker executors have ${key}` });
  }
}

const web = z
  .object({
    listen: hostPort.default("127.0.0.1:8080"),
    url: z.url().optional(),
    "admin-token": secretRef("admin token").optional(),
    "console-listen": z.union([hostPort, z.literal(false)]).default("127.0.0.1:7900"),
  })
  .strict();

const DAY = 86400;
/** How long gatebox keeps what builds leave (docs/operations.md "Retention"). */
const retention = z
  .object({
    /** Build records (builds, buildsets, queue items, events) in the store. */
    builds: durationIn({ min: DAY, max: 100 * 365 * DAY }).default(180 * DAY),
    /** Console logs and artifacts, by age. */
    logs: durationIn({ min: 3600, max: 100 * 365 * DAY }).default(30 * DAY),
    /** Console logs and artifacts, all together: past it the oldest go first. */
    "logs-size": sizeIn({ min: 64 * 1024 ** 2, max: 1024 ** 5 }).default(20 * 1024 ** 3),
  })
  .strict()
  .prefault({});

const connections = z.object({ gerrit: gerritConnection.optional() }).strict().default({});

export const configSchema = z
  .object({
    connections,
    "data-dir": path.optional(),
    "workspace-dir": path.optional(),
    web: web.default({ listen: "127.0.0.1:8080", "console-listen": "127.0.0.1:7900" }),
    executors: z.array(executor).default([]),
    secrets: secrets.default({}),
    pipelines: z.array(pipeline).default([]),
    jobs: z.array(job).default([]),
    "project-templates": z.array(template).default([]),
    projects: z.array(project).default([]),
    retention,
  })
  .strict();

/** The schema of one entry of each list section, and of `connections`: checked one by one when the whole fails (salvage.ts). */
export const entrySchemas = {
  pipelines: pipeline,
  jobs: job,
  "project-templates": template,
  projects: project,
  executors: executor,
} as const;
export const connectionsSchema = connections;

export type RawConfig = z.output<typeof configSchema>;
export type RawJob = z.output<typeof job>;
export type RawPipeline = z.output<typeof pipeline>;
export type RawTemplate = z.output<typeof template>;
export type RawProject = z.output<typeof project>;
export type RawExecutor = z.output<typeof executor>;
export type RawProjectPipeline = z.output<typeof projectPipeline>;
export const projectPipelineSchema = projectPipeline;
