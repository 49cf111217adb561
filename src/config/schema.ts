import * as z from "zod";
import { envNameProblem } from "./env-names.ts";
import { DEFAULT_ARTIFACT_LIMIT, DEFAULT_OUTPUT_LIMIT, durationIn, LIMITS, numberIn, sizeIn } from "./fields.ts";

/** The shape of gatebox.yaml, as written by users (kebab-case keys, human units). */

const name = z.string().min(1, "must not be empty");
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "expected HOST:PORT, e.g. 127.0.0.1:8080")
  .refine((v) => {
    const port = Number(v.slice(v.lastIndexOf(":") + 1));
    return port >= 1 && port <= 65535;
  }, "the port must be between 1 and 65535");

/** Where a secret comes from: an environment variable or a file, never the config itself. */
const secretRef = (what: string) =>
  z.object({ env: name.optional(), file: name.optional() }).strict().refine((s) => (s.env === undefined) !== (s.file === undefined), {
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
    trigger: z.object({ gerrit: z.array(triggerItem).min(1) }).strict(),
    require: z.object({ gerrit: z.object({ approvals: approvals.default({}) }).strict() }).strict().optional(),
    start: startReporter.optional(),
    success: successReporter.optional(),
    failure: failureReporter.optional(),
    window: numberIn(LIMITS.window).default(20),
    "window-floor": numberIn(LIMITS.windowBound).default(3),
    "window-ceiling": numberIn(LIMITS.windowBound).nullable().default(null),
    "window-increase-type": z.enum(["linear", "exponential"]).default("linear"),
    "window-increase-factor": numberIn(LIMITS.windowFactor).default(1),
    "window-decrease-type": z.enum(["linear", "exponential"]).default("exponential"),
    "window-decrease-factor": numberIn(LIMITS.windowFactor).default(2),
    // Zuul's rule: gate and post run code a reviewer approved, check runs anyone's. Only these get secrets.
    "post-review": z.boolean().default(false),
  })
  .strict();

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

const executor = z
  .object({
    name,
    type: z.enum(["docker", "local"]),
    endpoint: z.string().optional(),
    capacity: numberIn(LIMITS.capacity).default(4),
  })
  .strict();

const web = z
  .object({
    listen: hostPort.default("127.0.0.1:8080"),
    url: z.url().optional(),
    "admin-token": secretRef("admin token").optional(),
    "console-listen": z.union([hostPort, z.literal(false)]).default("127.0.0.1:7900"),
  })
  .strict();

export const configSchema = z
  .object({
    connections: z.object({ gerrit: gerritConnection.optional() }).strict().default({}),
    "data-dir": name.optional(),
    "workspace-dir": name.optional(),
    web: web.default({ listen: "127.0.0.1:8080", "console-listen": "127.0.0.1:7900" }),
    executors: z.array(executor).default([]),
    secrets: secrets.default({}),
    pipelines: z.array(pipeline).default([]),
    jobs: z.array(job).default([]),
    "project-templates": z.array(template).default([]),
    projects: z.array(project).default([]),
  })
  .strict();

export type RawConfig = z.output<typeof configSchema>;
export type RawJob = z.output<typeof job>;
export type RawPipeline = z.output<typeof pipeline>;
export type RawProjectPipeline = z.output<typeof projectPipeline>;
export const projectPipelineSchema = projectPipeline;
