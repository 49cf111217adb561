import type { JobConfig, PipelineConfig } from "../config/model.ts";
import type { JobSpec } from "../executor/job.ts";
import type { WorkspaceTarOptions } from "../merger/merger.ts";
import type { ChangeRef, RepoState } from "../merger/types.ts";
import type { Change } from "../scheduler/index.ts";
import { changeMeta } from "../sources/source.ts";

/** Where a build's artifacts go in its container (docs/jobs.md). */
export const ARTIFACTS_DIR = "/gatebox/artifacts";

/** One change of a speculative state, as the build is told about it. */
export interface StateChange {
  id: string;
  project: string;
  branch: string;
  number: number;
  patchset: number;
  ref: string;
}

/** What a build tests and where it belongs: the job's context (docs/jobs.md). */
export interface BuildContext {
  pipeline: PipelineConfig;
  buildId: string;
  /** gatebox's public web address. */
  webUrl: string;
  /** The state's changes in merge order, the item's own last. */
  changes: readonly StateChange[];
  state: RepoState;
  /** The item's change is merged already (a post pipeline): the branch is tested, not the change ref. */
  merged: boolean;
  /** A secret's value by name; only asked for in post-review pipelines. */
  secret(name: string): string | undefined;
}

/** The executor's view of a configured job. */
export function jobSpec(job: JobConfig): JobSpec {
  return {
    image: job.image,
    run: job.run,
    env: job.env,
    timeout: job.timeout,
    workdir: job.workdir,
    pids: job.pids,
    attempts: job.attempts,
    network: job.network,
    separateStderr: job.separateStderr,
    ...(job.memory !== undefined ? { memory: job.memory } : {}),
    ...(job.cpus !== undefined ? { cpus: job.cpus } : {}),
    ...(job.user !== undefined ? { user: job.user } : {}),
  };
}

/**
 * The job as one build runs it: started in the checkout of the project under test, told what it
 * tests through GATEBOX_* variables (which its own `env:` cannot override), with its artifacts
 * directory and output limit, and its secrets only in a post-review pipeline.
 */
export function buildSpec(job: JobConfig, ctx: BuildContext): JobSpec {
  const item = ctx.changes.at(-1);
  const src = item ? `${job.workdir.replace(/\/+$/, "")}/${item.project}` : job.workdir;
  const gatebox: Record<string, string> = {
    CI: "true",
    GATEBOX: "true",
    GATEBOX_PIPELINE: ctx.pipeline.name,
    GATEBOX_JOB: job.name,
    GATEBOX_BUILD: ctx.buildId,
    GATEBOX_BUILD_URL: `${ctx.webUrl}/builds/${ctx.buildId}`,
    GATEBOX_PROJECT: item?.project ?? "",
    GATEBOX_BRANCH: item?.branch ?? "",
    GATEBOX_CHANGE: item ? String(item.number) : "",
    GATEBOX_PATCHSET: item ? String(item.patchset) : "",
    GATEBOX_REF: item ? (ctx.merged ? `refs/heads/${item.branch}` : item.ref) : "",
    GATEBOX_COMMIT: item ? (ctx.state[item.project]?.commit ?? "") : "",
    GATEBOX_ITEMS: ctx.changes.map((c) => `${c.project}:${c.number},${c.patchset}`).join(" "),
    GATEBOX_SRC_DIR: src,
    GATEBOX_ARTIFACTS: ARTIFACTS_DIR,
  };
  const secrets: Record<string, string> = {};
  if (ctx.pipeline.postReview) {
    for (const name of job.secrets) {
      const value = ctx.secret(name);
      if (value !== undefined) secrets[name] = value;
    }
  }
  return {
    ...jobSpec(job),
    env: { ...job.env, ...gatebox },
    startDir: src,
    outputLimit: job.outputLimit,
    artifacts: { dir: ARTIFACTS_DIR, limit: job.artifactLimit },
    ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
  };
}

/** The files' owner for a job's `user` given as `uid[:gid]`; a user name keeps root's (docs/jobs.md). */
export function ownerOf(user: string | undefined): WorkspaceTarOptions {
  const m = user === undefined ? null : /^(\d+)(?::(\d+))?$/.exec(user);
  return m ? { owner: { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) } } : {};
}

/** What a build is told about a change of its state. */
export function toStateChange(change: Change): StateChange {
  const meta = changeMeta(change);
  return { id: change.id, project: change.project, branch: change.branch, number: meta.number, patchset: meta.patchset, ref: meta.ref };
}

/** The merger's name for a change's patchset. */
export function toChangeRef(change: Change): ChangeRef {
  const meta = changeMeta(change);
  return {
    project: change.project,
    branch: change.branch,
    number: meta.number,
    patchset: meta.patchset,
    ...(meta.ref ? { ref: meta.ref } : {}),
    ...(meta.revision ? { commit: meta.revision } : {}),
  };
}
