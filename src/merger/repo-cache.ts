import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
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
/** A mirror is packed (`maintain`) from this many loose objects, or this many packs. */
const LOOSE_LIMIT = 1000;
const PACK_LIMIT = 10;

/**
 * One bare mirror per project, updated incrementally. Branches and tags are mirrored on every update;
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
    const fresh = !existsSync(join(dir, "HEAD"));
    if (fresh) await this.create(dir);
    const git = new GitRunner(dir);
    const missing = await this.missingRefs(git, changeRefs);
    // Tags too, so a workspace's `git describe` finds the ones in its history.
    const refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", ...missing.map((ref) => `+${ref}:${ref}`)];
    const url = this.options.remoteUrl(project);
    const creds = this.options.credentials?.(project);
    const env = creds ? basicAuthEnv(creds.username, creds.password) : {};
    try {
      await git.run(["fetch", "--quiet", "--no-tags", "--prune", "--no-write-fetch-head", url, ...refspecs], env);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new InfraError(`cannot fetch ${project} from ${redact(url)}: ${detail}`, 1, { cause: error });
    }
    // The bitmap right away: workspaces are cheap from the first build, not from the first gc.
    if (fresh) await this.maintain(project);
  }

  /** The commit a ref or revision names in a project's mirror; InfraError when it is missing. */
  async resolve(project: string, rev: string): Promise<string> {
    try {
      return (await this.git(project).run(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).trim();
    } catch (error) {
      throw new InfraError(`${rev} does not exist in ${project}`, 1, { cause: error });
    }
  }

  /**
   * Packs a mirror's loose objects and small packs and writes a multi-pack index with a
   * reachability bitmap, when it needs it (no bitmap yet, LOOSE_LIMIT loose objects or PACK_LIMIT
   * packs); returns whether it did. The bitmap is what keeps a `checkout` workspace cheap on a long
   * history: the objects of a state's history are counted from it instead of by walking every
   * tree (bench/merger/workspace.ts). Geometric: the big pack of the history is left alone while
   * the small ones are rolled together. No object is deleted, reachable or not: nothing is lost
   * that an in-process memo or a build could still name. Call inside `lock.run(project, …)`.
   */
  async maintain(project: string): Promise<boolean> {
    const dir = this.pathOf(project);
    const git = new GitRunner(dir);
    const counts = new Map(
      (await git.run(["count-objects", "-v"])).split("\n").map((line) => line.split(": ") as [string, string]),
    );
    const loose = Number(counts.get("count") ?? 0);
    const packs = Number(counts.get("packs") ?? 0);
    const bitmap = (await readdir(join(dir, "objects", "pack")).catch(() => [])).some((f) => f.endsWith(".bitmap"));
    if (packs + loose === 0 || (bitmap && loose < LOOSE_LIMIT && packs < PACK_LIMIT)) return false;
    await git.run(["repack", "--geometric=2", "-d", "--write-midx", "--write-bitmap-index", "--quiet"]);
    return true;
  }

  private async create(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
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
