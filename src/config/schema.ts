import * as z from "zod";
import { parseDuration, parseSize } from "./units.ts";

/** The shape of gatebox.yaml, as written by users (kebab-case keys, human units). */

const name = z.string().min(1, "must not be empty");
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const seconds = parseDuration(v);
  if (seconds === undefined) {
    ctx.addIssue({ code: "custom", message: "expected a duration like 30m, 90s or 1h30m" });
    return z.NEVER;
  }
  return seconds;
});
const size = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const bytes = parseSize(v);
  if (bytes === undefined) {
    ctx.addIssue({ code: "custom", message: "expected a size like 512m or 2g" });
    return z.NEVER;
  }
  return bytes;
});
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "expected HOST:PORT, e.g. 127.0.0.1:8080");

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
    "poll-interval": duration.default(20),
    "full-sweep-interval": duration.default(600),
    timeout: duration.default(30),
  })
  .strict();

const approvals = z.record(z.string(), z.number().int());

const triggerItem = z
  .object({
    event: z.enum(["patchset-created", "comment-added", "change-merged", "change-abandoned", "change-restored", "ref-updated"]),
    approval: approvals.optional(),
    comment: z.string().optional(),
    branch: z.string().optional(),
  })
  .strict();

const reporterAction = z
  .object({
    gerrit: z
      .object({
        labels: approvals.default({}),
        submit: z.boolean().default(false),
        // start only: whether to post "Starting <pipeline> jobs." (results are always posted with the vote).
        comment: z.boolean().default(true),
      })
      .strict()
      .optional(),
  })
  .strict();

const pipeline = z
  .object({
    name,
    description: z.string().optional(),
    manager: z.enum(["independent", "dependent", "serial"]),
    precedence: z.enum(["high", "normal", "low"]).default("normal"),
    trigger: z.object({ gerrit: z.array(triggerItem).min(1) }).strict(),
    require: z.object({ gerrit: z.object({ approvals: approvals.default({}) }).strict() }).strict().optional(),
    start: reporterAction.optional(),
    success: reporterAction.optional(),
    failure: reporterAction.optional(),
    window: z.number().int().min(0).default(20),
    "window-floor": z.number().int().min(1).default(3),
    "window-ceiling": z.number().int().min(1).nullable().default(null),
    "window-increase-type": z.enum(["linear", "exponential"]).default("linear"),
    "window-increase-factor": z.number().positive().default(1),
    "window-decrease-type": z.enum(["linear", "exponential"]).default("exponential"),
    "window-decrease-factor": z.number().positive().default(2),
  })
  .strict();

const job = z
  .object({
    name,
    description: z.string().optional(),
    image: name,
    run: name,
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
    timeout: duration.default(1800),
    workdir: z.string().regex(/^\//, "expected an absolute path in the container").default("/work"),
    memory: size.optional(),
    cpus: z.number().positive().optional(),
    pids: z.number().int().positive().default(1024),
    user: z.string().optional(),
    attempts: z.number().int().min(1).max(10).default(3),
    network: z.enum(["none", "bridge"]).default("none"),
    voting: z.boolean().default(true),
    dependencies: z.array(name).default([]),
    executor: name.optional(),
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
    capacity: z.number().int().min(1).default(4),
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
    "data-dir": z.string().optional(),
    "workspace-dir": z.string().optional(),
    web: web.default({ listen: "127.0.0.1:8080", "console-listen": "127.0.0.1:7900" }),
    executors: z.array(executor).default([]),
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
