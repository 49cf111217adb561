import type { Check } from "./checks.ts";
import type { RawConfig, RawProjectPipeline } from "./schema.ts";
import type { PathKey } from "./yaml-source.ts";

/**
 * The rules about job secrets (docs/jobs.md "Secrets"): a job names only secrets that are
 * defined, and a job with secrets runs only in pipelines marked `post-review: true`. Zuul's rule:
 * gate and post run code a reviewer approved; check runs anyone's patchset, and a patchset could
 * print the secret or send it away.
 */

/** Each job's `secrets:` names a defined secret, once, and its `env:` does not shadow one. */
export const jobSecrets: Check = (_doc, raw, problem) => {
  const defined = Object.keys(raw.secrets);
  const known = defined.join(", ") || "none defined";
  raw.jobs.forEach((j, i) => {
    const seen = new Set<string>();
    j.secrets.forEach((name, k) => {
      if (seen.has(name)) problem(["jobs", i, "secrets", k], `secret '${name}' is listed twice`);
      else if (!defined.includes(name)) problem(["jobs", i, "secrets", k], `job '${j.name}' uses unknown secret '${name}' (secrets: ${known})`);
      seen.add(name);
    });
    for (const key of Object.keys(j.env)) {
      if (seen.has(key)) problem(["jobs", i, "env", key], `is also a secret of job '${j.name}': a variable has one value, so drop it from env or from secrets`);
    }
  });
};

/** Where a project lists a job for a pipeline: directly, or through one of its project-templates. */
interface Listing {
  job: string;
  path: PathKey[];
  template: string | null;
}

function listings(raw: RawConfig, projectIndex: number, pipeline: string): Listing[] {
  const project = raw.projects[projectIndex]!;
  const out: Listing[] = [];
  project.templates.forEach((name, k) => {
    const template = raw["project-templates"].find((t) => t.name === name) as Record<string, unknown> | undefined;
    const entry = template?.[pipeline] as RawProjectPipeline | undefined;
    for (const job of entry?.jobs ?? []) out.push({ job, path: ["projects", projectIndex, "templates", k], template: name });
  });
  const own = (project as Record<string, unknown>)[pipeline] as RawProjectPipeline | undefined;
  own?.jobs.forEach((job, k) => {
    out.push({ job, path: ["projects", projectIndex, pipeline, "jobs", k], template: null });
  });
  return out;
}

/** A job with secrets listed for a project in a pipeline without `post-review: true`. */
export const secretsOnlyPostReview: Check = (_doc, raw, problem) => {
  const withSecrets = new Set(raw.jobs.filter((j) => j.secrets.length > 0).map((j) => j.name));
  if (withSecrets.size === 0) return;
  const unreviewed = raw.pipelines.filter((p) => !p["post-review"]).map((p) => p.name);
  raw.projects.forEach((project, i) => {
    for (const pipeline of unreviewed) {
      const reported = new Set<string>();
      for (const { job, path, template } of listings(raw, i, pipeline)) {
        if (!withSecrets.has(job) || reported.has(job)) continue;
        reported.add(job);
        const via = template === null ? "" : ` (through project-template '${template}')`;
        problem(
          path,
          `job '${job}' uses secrets but is listed for project ${project.name} in pipeline ${pipeline}${via}, ` +
            `which is not post-review: true; secrets go only to pipelines that run reviewed code (docs/jobs.md)`,
        );
      }
    }
  });
};
