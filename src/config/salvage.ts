import type * as z from "zod";
import {
  connectionsSchema,
  entrySchemas,
  type RawConfig,
  type RawExecutor,
  type RawJob,
  type RawPipeline,
  type RawProject,
  type RawProjectPipeline,
  type RawTemplate,
} from "./schema.ts";

/**
 * What the cross-field checks (checks.ts) look at, also when some fields have the wrong shape, so
 * one run lists a bad timeout and an unknown job together. When the whole config fails its schema,
 * each entry of each list is checked on its own: a valid one is used as it is; one that is valid
 * once its wrong fields are left out is used as `partial` (the checks that need every value of an
 * entry skip those); any other is left out, but its name still counts as defined, so a job with a
 * typo in its timeout is no "unknown job" where a project lists it.
 */

export type ListSection = keyof typeof entrySchemas;

export interface Entry<T> {
  /** Index in the file's list. */
  readonly i: number;
  readonly v: T;
  /** Some of the entry's fields were wrong and left out: its defaults may not be what the file says. */
  readonly partial: boolean;
}

export interface Named {
  readonly i: number;
  readonly name: string;
}

export interface CheckInput {
  /** null when `connections` itself is wrong. */
  connections: RawConfig["connections"] | null;
  /** The names of `secrets:`, whether or not each one is well formed. */
  secretNames: ReadonlySet<string>;
  pipelines: Entry<RawPipeline>[];
  jobs: Entry<RawJob>[];
  templates: Entry<RawTemplate>[];
  projects: Entry<RawProject>[];
  executors: Entry<RawExecutor>[];
  /** Every entry's name as written (also of entries left out), in file order. */
  names: Record<ListSection, Named[]>;
  /** Entries under `projects:`, valid or not. */
  projectCount: number;
}

/** The check input of a config that passed its schema. */
export function fromParsed(raw: RawConfig): CheckInput {
  const all = <T>(list: T[]): Entry<T>[] => list.map((v, i) => ({ i, v, partial: false }));
  const names = (list: { name: string }[]): Named[] => list.map((e, i) => ({ i, name: e.name }));
  return {
    connections: raw.connections,
    secretNames: new Set(Object.keys(raw.secrets)),
    pipelines: all(raw.pipelines),
    jobs: all(raw.jobs),
    templates: all(raw["project-templates"]),
    projects: all(raw.projects),
    executors: all(raw.executors),
    names: {
      pipelines: names(raw.pipelines),
      jobs: names(raw.jobs),
      "project-templates": names(raw["project-templates"]),
      projects: names(raw.projects),
      executors: names(raw.executors),
    },
    projectCount: raw.projects.length,
  };
}

/** The check input of a config that failed its schema: whatever can be checked (see above). */
export function salvage(input: unknown): CheckInput {
  const top = isObject(input) ? input : {};
  const list = (section: ListSection): unknown[] => {
    const v = own(top, section);
    return Array.isArray(v) ? v : [];
  };
  const connections = connectionsSchema.safeParse(own(top, "connections"));
  const secrets = own(top, "secrets");
  const sections = Object.keys(entrySchemas) as ListSection[];
  const names = Object.fromEntries(sections.map((s) => [s, looseNames(list(s))])) as Record<ListSection, Named[]>;
  return {
    connections: connections.success ? connections.data : null,
    secretNames: new Set(isObject(secrets) ? Object.keys(secrets) : []),
    pipelines: entries(list("pipelines"), entrySchemas.pipelines),
    jobs: entries(list("jobs"), entrySchemas.jobs),
    templates: entries(list("project-templates"), entrySchemas["project-templates"]),
    projects: entries(list("projects"), entrySchemas.projects),
    executors: entries(list("executors"), entrySchemas.executors),
    names,
    projectCount: list("projects").length,
  };
}

function entries<S extends z.ZodType>(list: unknown[], schema: S): Entry<z.output<S>>[] {
  const out: Entry<z.output<S>>[] = [];
  list.forEach((value, i) => {
    const whole = schema.safeParse(value);
    if (whole.success) {
      out.push({ i, v: whole.data, partial: false });
      return;
    }
    if (!isObject(value)) return;
    const rest: Record<string, unknown> = { ...value };
    for (const issue of whole.error.issues) {
      if (issue.path.length > 0) delete rest[String(issue.path[0])];
      else if (issue.code === "unrecognized_keys") for (const key of issue.keys) delete rest[key];
    }
    const part = schema.safeParse(rest);
    if (part.success) out.push({ i, v: part.data, partial: true });
  });
  return out;
}

function looseNames(list: unknown[]): Named[] {
  const out: Named[] = [];
  list.forEach((value, i) => {
    const name = isObject(value) ? own(value, "name") : undefined;
    if (typeof name === "string" && name !== "") out.push({ i, name });
  });
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `obj[key]` if it is the object's own: never what it inherits (`constructor`, `toString`). */
export function own(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** What a project or project-template lists for `pipeline`, if it is a pipeline entry (not `name`, `branch`, …). */
export function pipelineEntry(obj: object, pipeline: string): RawProjectPipeline | undefined {
  const v = own(obj, pipeline);
  return isObject(v) && Array.isArray(v["jobs"]) ? (v as RawProjectPipeline) : undefined;
}
