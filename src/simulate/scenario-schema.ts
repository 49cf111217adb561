import * as z from "zod";

/** The scenario file as written (FORMAT.md, version 1): kebab-case keys, unknown keys rejected. */

const id = z.string().min(1, "must not be empty");
// YAML reads `id: 1` as a number; a change or job name is text either way.
const name = z.union([id, z.number().transform(String)]);
const seconds = z.number().min(0, "must be 0 or more seconds");
const positive = z.number().positive("must be more than 0");
const reportValue = z.union([
  z.literal(1),
  z.literal(-1),
  z.enum(["merge-conflict", "merge-failure", "dequeued", "error"]),
]);
const countMap = z.record(z.string(), z.number().int().min(0));

const pipeline = z
  .object({
    manager: z.enum(["dependent", "independent", "serial"]).default("dependent"),
    window: z.number().int().min(0).default(20),
    "window-floor": z.number().int().min(1).default(3),
    "window-ceiling": z.number().int().min(1).nullable().default(null),
    "window-increase-type": z.enum(["linear", "exponential"]).default("linear"),
    "window-increase-factor": positive.default(1),
    "window-decrease-type": z.enum(["linear", "exponential"]).default("exponential"),
    "window-decrease-factor": positive.default(2),
    "merge-duration": seconds.default(0),
    strategy: z.enum(["zuul", "adaptive"]).default("zuul"),
  })
  .strict();

const project = z
  .object({
    name: id,
    jobs: z.array(name).optional(),
    queue: id.optional(),
    "fail-fast": z.boolean().default(false),
  })
  .strict();

const job = z
  .object({
    name,
    duration: seconds.default(60),
    voting: z.boolean().default(true),
    dependencies: z.array(name).default([]),
  })
  .strict();

const change = z
  .object({
    id: name,
    project: id.optional(),
    at: seconds.nullable().default(0),
    "depends-on": z.array(name).default([]),
    durations: z.record(z.string(), seconds).default({}),
    risk: z.number().min(0).max(1).optional(),
  })
  .strict();

const failure = z
  .object({ job: name, change: name, with: z.array(name).default([]), without: z.array(name).default([]) })
  .strict();

const event = z
  .object({
    at: seconds,
    type: z.enum(["abandon", "new-patchset", "dequeue", "promote", "enqueue"]),
    change: name,
  })
  .strict();

const generate = z
  .object({
    changes: z.number().int().min(1).max(1_000_000),
    "arrival-interval": seconds.optional(),
    "arrivals-per-hour": positive.optional(),
    "failure-rate": z.number().min(0).max(1).default(0),
    seed: z.number().int().default(1),
    risky: z.object({ share: z.number().min(0).max(1), rate: z.number().min(0).max(1) }).strict().optional(),
  })
  .strict()
  .refine((g) => (g["arrival-interval"] === undefined) !== (g["arrivals-per-hour"] === undefined), {
    message: "give exactly one of arrival-interval or arrivals-per-hour",
  });

const expect = z
  .object({
    merged: z.array(name).optional(),
    reported: z.record(z.string(), reportValue).optional(),
    builds: countMap.optional(),
    cancelled: countMap.optional(),
    finishedAt: seconds.optional(),
    resets: z.number().int().min(0).optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: id,
    pipeline: pipeline.default(pipeline.parse({})),
    projects: z.array(project).min(1).optional(),
    jobs: z.array(job).min(1).optional(),
    changes: z.array(change).default([]),
    failures: z.array(failure).default([]),
    breaks: z.array(z.object({ job: name, change: name }).strict()).default([]),
    "submit-failures": z.array(name).default([]),
    conflicts: z.array(z.object({ change: name, with: name }).strict()).default([]),
    events: z.array(event).default([]),
    generate: generate.optional(),
    capacity: z.number().int().min(1).nullable().default(null),
    expect: expect.optional(),
  })
  .strict();

export type RawScenario = z.infer<typeof scenarioSchema>;
