import type { Check } from "./checks.ts";
import { listNames } from "./problems.ts";
import { type Entry, pipelineEntry } from "./salvage.ts";
import type { RawProject } from "./schema.ts";
import type { PathKey } from "./yaml-source.ts";

/**
 * The rules about job secrets (docs/jobs.md "Secrets"): a job names only secrets that are
 * defined, and a job with secrets runs only in pipelines marked `post-review: true`. Zuul's rule:
 * gate and post run code a reviewer approved; check runs anyone's patchset, and a patchset could
 * print the secret or send it away.
 */

/** Each job's `secrets:` names a defined secret, once, and its `env:` does not shadow one. */
export const jobSecrets: Check = (_doc, input, problem) => {
  const known = listNames(input.secretNames);
  for (const { i, v: j } of input.jobs) {
    const seen = new Set<string>();
    j.secrets.forEach((name, k) => {
      if (seen.has(name)) problem(["jobs", i, "secrets", k], `secret '${name}' is listed twice`);
      else if (!input.secretNames.has(name)) problem(["jobs", i, "secrets", k], `job '${j.name}' uses unknown secret '${name}' (secrets: ${known})`);
      seen.add(name);
    });
    for (const key of Object.keys(j.env)) {
      if (seen.has(key)) problem(["jobs", i, "env", key], `is also a secret of job '${j.name}': a variable has one value, so drop it from env or from secrets`);
    }
  }
};

/** A job with secrets that a project would run in a pipeline without `post-review: true`. */
interface Unreviewed {
  job: string;
  pipeline: string;
}

/** The secret jobs an entry lists for unreviewed pipelines, in the entry's order. */
function unreviewedListings(entry: object, unreviewed: ReadonlySet<string>, withSecrets: ReadonlySet<string>): (Unreviewed & { k: number })[] {
  const out: (Unreviewed & { k: number })[] = [];
  for (const pipeline of Object.keys(entry)) {
    const value = unreviewed.has(pipeline) ? pipelineEntry(entry, pipeline) : undefined;
    value?.jobs.forEach((job, k) => {
      if (withSecrets.has(job)) out.push({ job, pipeline, k });
    });
  }
  return out;
}

/**
 * A job with secrets listed for a project in a pipeline without `post-review: true`, directly or
 * through a project-template: once per project, pipeline and job. Each template is looked at
 * once, however many projects use it.
 */
export const secretsOnlyPostReview: Check = (_doc, input, problem) => {
  const withSecrets = new Set(input.jobs.filter((j) => j.v.secrets.length > 0).map((j) => j.v.name));
  if (withSecrets.size === 0) return;
  // A pipeline whose post-review could not be read is not judged.
  const unreviewed = new Set(input.pipelines.filter((p) => !p.partial && !p.v["post-review"]).map((p) => p.v.name));
  const byTemplate = new Map<string, Unreviewed[]>();
  for (const t of input.templates) {
    if (!byTemplate.has(t.v.name)) byTemplate.set(t.v.name, unreviewedListings(t.v, unreviewed, withSecrets));
  }
  const say = (project: Entry<RawProject>, path: PathKey[], { job, pipeline }: Unreviewed, template: string | null) => {
    const via = template === null ? "" : ` (through project-template '${template}')`;
    problem(
      path,
      `job '${job}' uses secrets but is listed for project ${project.v.name} in pipeline ${pipeline}${via}, ` +
        `which is not post-review: true; secrets go only to pipelines that run reviewed code (docs/jobs.md)`,
    );
  };
  for (const project of input.projects) {
    const reported = new Set<string>();
    const first = (u: Unreviewed) => {
      const key = JSON.stringify([u.pipeline, u.job]);
      if (reported.has(key)) return false;
      reported.add(key);
      return true;
    };
    project.v.templates.forEach((name, k) => {
      for (const u of byTemplate.get(name) ?? []) if (first(u)) say(project, ["projects", project.i, "templates", k], u, name);
    });
    for (const u of unreviewedListings(project.v, unreviewed, withSecrets)) {
      if (first(u)) say(project, ["projects", project.i, u.pipeline, "jobs", u.k], u, null);
    }
  }
};
