import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { InfraError, InputError } from "../errors.ts";
import { basicAuthEnv, GitRunner, redact } from "./git.ts";
import { KeyedLock } from "./keyed-lock.ts";

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface RepoCacheOptions {
  /** Directory holding one bare mirror per project: `<cacheDir>/<project>.git`. */
  readonly cacheDir: string;
  /** The git URL (or local path) of a project, without credentials, e.g. `https://host/a/${project}`. */
  readonly remoteUrl: (project: string) => string;
  /** HTTP Basic credentials, sent per command as an `Authorization` header, never stored. */
  readonly credentials?: (project: string) => Credentials | undefined;
}

const PROJECT_NAME = /^[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/;

/**
 * One bare mirror per project, updated incrementally. Branches are mirrored on every update;
 * change refs (immutable in Gerrit) are fetched once, on demand. The remote URL is passed per
 * fetch, never written to the repository's config.
 *
 * Contract: `lock.run(project, …)` guards every mutation of a project's mirror; `update` and
 * the other mutating methods must be called inside it. Reads of objects may run outside it.
 */
export class RepoCache {
  readonly lock = new KeyedLock();

  constructor(private readonly options: RepoCacheOptions) {}

  /** Absolute path of a project's bare mirror; InputError for a name that could escape the cache. */
  pathOf(project: string): string {
    if (!PROJECT_NAME.test(project) || project.split("/").some((part) => part === "." || part === "..")) {
      throw new InputError(`invalid project name ${JSON.stringify(project)}`);
    }
    return join(this.options.cacheDir, `${project}.git`);
  }

  git(project: string): GitRunner {
    return new GitRunner(this.pathOf(project));
  }

  /**
   * Creates the mirror when missing, mirrors the remote's branches, and fetches the listed change
   * refs that are not here yet. Call inside `lock.run(project, …)`. InfraError when the remote
   * cannot be read or a ref is missing there.
   */
  async update(project: string, changeRefs: readonly string[] = []): Promise<void> {
    const dir = this.pathOf(project);
    if (!existsSync(join(dir, "HEAD"))) await this.create(dir);
    const git = new GitRunner(dir);
    const missing = await this.missingRefs(git, changeRefs);
    const refspecs = ["+refs/heads/*:refs/heads/*", ...missing.map((ref) => `+${ref}:${ref}`)];
    const url = this.options.remoteUrl(project);
    const creds = this.options.credentials?.(project);
    const env = creds ? basicAuthEnv(creds.username, creds.password) : {};
    try {
      await git.run(["fetch", "--quiet", "--no-tags", "--prune", "--no-write-fetch-head", url, ...refspecs], env);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new InfraError(`cannot fetch ${project} from ${redact(url)}: ${detail}`, 1, { cause: error });
    }
  }

  /** The commit a ref or revision names in a project's mirror; InfraError when it is missing. */
  async resolve(project: string, rev: string): Promise<string> {
    try {
      return (await this.git(project).run(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).trim();
    } catch (error) {
      throw new InfraError(`${rev} does not exist in ${project}`, 1, { cause: error });
    }
  }

  private async create(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const git = new GitRunner(dir);
    await git.run(["init", "--quiet", "--bare"]);
    // Automatic gc could run in the background while we hold no lock; we collect garbage ourselves.
    await git.run(["config", "gc.auto", "0"]);
  }

  private async missingRefs(git: GitRunner, refs: readonly string[]): Promise<string[]> {
    if (refs.length === 0) return [];
    const present = new Set(
      (await git.run(["for-each-ref", "--format=%(refname)", ...refs])).split("\n").filter(Boolean),
    );
    return [...new Set(refs)].filter((ref) => !present.has(ref));
  }
}
