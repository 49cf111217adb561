import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { GateboxError, InfraError, InputError } from "../errors.ts";
import { MergeConflictError, TreeMismatchError } from "./errors.ts";
import { Semaphore } from "./keyed-lock.ts";
import type { Merger, WorkspaceTarOptions } from "./merger.ts";
import { type CommitInfo, type Head, type Identity, MergeSteps } from "./merge-steps.ts";
import { RepoCache, type RepoCacheOptions } from "./repo-cache.ts";
import {
  type ChangeRef,
  changeRefName,
  type MergeRequest,
  type ProjectState,
  type RepoState,
  type SubmitType,
  type Workspace,
  type WorkspaceStrategy,
} from "./types.ts";
import { Workspaces } from "./workspaces.ts";

export interface GitMergerOptions extends RepoCacheOptions {
  /** Directory under which workspaces are made, one subdirectory per build. */
  readonly workspaceRoot: string;
  /** How many merges may run at once (default 2: the machine's cores are shared). */
  readonly concurrency?: number;
  /** Committer of speculative merge commits. */
  readonly identity?: Identity;
  /** Default `checkout`: a self-contained git repository per project (bench/merger/workspace.ts). */
  readonly workspaceStrategy?: WorkspaceStrategy;
  /**
   * The URL a `checkout` workspace's `origin` remote gets (stripped of any credentials); default
   * `remoteUrl`; `null` for no remote at all.
   */
  readonly workspaceOrigin?: (project: string) => string | null;
  /** Clock for naming state refs (tests pass a fake one). */
  readonly now?: () => number;
}

const STATE_REFS = "refs/gatebox/states/";
const MEMO_LIMIT = 10_000;

/** The Merger over real git: a bare mirror per project, merges in the object database. */
export class GitMerger implements Merger {
  private readonly cache: RepoCache;
  private readonly limit: Semaphore;
  private readonly identity: Identity;
  private readonly workspaces: Workspaces;
  private readonly now: () => number;
  /**
   * Per project, branch and submit type: the branch tip the results were merged onto, and chain
   * (change commits…) → result, so items behind reuse the prefixes merged for those ahead. When
   * the tip moves (a change merged) the old tip's results can never be asked for again and are
   * dropped: the memo holds the current queue's chains, not every merge since start.
   */
  private readonly memo = new Map<string, { tip: string; results: Map<string, Head> }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private refSeq = 0;
  private closed = false;

  constructor(private readonly options: GitMergerOptions) {
    this.cache = new RepoCache(options);
    this.limit = new Semaphore(options.concurrency ?? 2);
    this.identity = options.identity ?? { name: "gatebox", email: "gatebox@localhost" };
    const origin = options.workspaceOrigin ?? options.remoteUrl;
    this.workspaces = new Workspaces(this.cache, {
      root: options.workspaceRoot,
      strategy: options.workspaceStrategy ?? "checkout",
      checkout: (project) => {
        const url = origin(project);
        return url === null ? {} : { origin: url };
      },
    });
    this.now = options.now ?? Date.now;
  }

  merge(request: MergeRequest): Promise<RepoState> {
    return this.track(() =>
      this.limit.run(async () => {
        const groups = groupByProject(request);
        const entries = await Promise.all(
          [...groups].map(async ([project, group]) => {
            const type = request.submitTypes?.[project] ?? "MERGE_IF_NECESSARY";
            return [project, await this.mergeProject(project, group.branch, group.changes, type)] as const;
          }),
        );
        return Object.fromEntries(entries);
      }),
    );
  }

  prepareWorkspace(state: RepoState, name: string): Promise<Workspace> {
    return this.track(() => this.workspaces.prepare(state, name));
  }

  removeWorkspace(workspace: Workspace): Promise<void> {
    return this.workspaces.remove(workspace);
  }

  /** `.git` is included by default for the `checkout` strategy (self-contained), left out otherwise. */
  workspaceTar(workspace: Workspace, options: WorkspaceTarOptions = {}): Readable {
    return this.workspaces.tar(workspace, options);
  }

  /**
   * Deletes the workspaces a crashed process left under the workspace root, except live ones and
   * those `keep` names; returns the names deleted. Runs by itself (without `keep`) before the
   * first workspace is prepared, unless called before that. Only in a root gatebox marked as its
   * own (created by it, or empty when first used): a root that held other files is never swept.
   */
  cleanWorkspaces(keep?: (name: string) => boolean): Promise<string[]> {
    return this.track(() => this.workspaces.clean(keep));
  }

  verifyTree(project: string, branch: string, expectedTree: string, landed?: string): Promise<ProjectState> {
    return this.track(() =>
      this.cache.lock.run(project, async () => {
        await this.cache.update(project);
        const head = landed === undefined ? await this.branchTip(project, branch) : await this.landedCommit(project, branch, landed);
        if (head.tree !== expectedTree) {
          throw new TreeMismatchError(project, branch, expectedTree, head.tree, head.commit);
        }
        return { branch, ...head };
      }),
    );
  }

  /**
   * The commit a submit of `landed` put on the branch: walking the branch's first parents from its
   * tip (later submits only add on top), the first that is `landed` or merges it in.
   */
  private async landedCommit(project: string, branch: string, landed: string): Promise<Head> {
    const git = this.cache.git(project);
    const log = await git.run(["rev-list", "--first-parent", "--parents", "--max-count=1000", `refs/heads/${branch}`]).catch((error: unknown) => {
      throw new InfraError(`branch ${branch} does not exist in ${project}`, 1, { cause: error });
    });
    for (const line of log.split("\n")) {
      const [commit, ...parents] = line.trim().split(" ");
      if (!commit || (commit !== landed && !parents.slice(1).includes(landed))) continue;
      const tree = (await git.run(["rev-parse", `${commit}^{tree}`])).trim();
      return { commit, tree };
    }
    throw new InfraError(`${landed} is not on ${project}'s ${branch} (the last 1000 commits of its first-parent history)`);
  }

  gc(maxAgeMs: number, keep: ReadonlySet<string> = new Set()): Promise<number> {
    return this.track(async () => {
      const cutoff = this.now() - maxAgeMs;
      let deleted = 0;
      for (const project of await this.cachedProjects()) {
        deleted += await this.cache.lock.run(project, async () => {
          const git = this.cache.git(project);
          const lines = (await git.run(["for-each-ref", "--format=%(objectname) %(refname)", STATE_REFS])).split("\n");
          const old: string[] = [];
          for (const line of lines) {
            const [sha = "", ref = ""] = line.split(" ");
            if (ref === "" || keep.has(sha)) continue;
            const stamp = Number(ref.slice(STATE_REFS.length).split("-", 1)[0]);
            if (Number.isFinite(stamp) && stamp < cutoff) old.push(ref);
          }
          for (const ref of old) await git.run(["update-ref", "-d", ref]);
          await this.cache.maintain(project);
          return old.length;
        });
      }
      // Commits the memo points to may now be unreachable (and pruned by a later git gc).
      if (deleted > 0) this.memo.clear();
      return deleted;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async mergeProject(
    project: string,
    branch: string,
    changes: readonly ChangeRef[],
    type: SubmitType,
  ): Promise<ProjectState> {
    return this.cache.lock.run(project, async () => {
      await this.cache.update(project, changes.map(changeRefName));
      const git = this.cache.git(project);
      const steps = new MergeSteps(git, this.identity);
      let head = await this.branchTip(project, branch);
      const memo = this.memoFor([project, branch, type].join("\0"), head.commit);
      let key = "";
      const applied: { change: ChangeRef; info: CommitInfo }[] = [];
      for (const change of changes) {
        const info = await steps.info(await this.patchsetCommit(project, change));
        key += `${info.sha} `;
        const known = memo.get(key);
        if (known) {
          head = known;
        } else {
          const result = await steps.apply(head, info, type, branch);
          if (!result.ok) throw await blame(steps, change, result.files, result.reason, applied);
          head = { commit: result.commit, tree: result.tree };
          remember(memo, key, head);
        }
        applied.push({ change, info });
      }
      // Keep the state reachable so a workspace can be built from it later (until gc).
      await git.run(["update-ref", `${STATE_REFS}${this.now()}-${process.pid}-${this.refSeq++}`, head.commit]);
      return { branch, commit: head.commit, tree: head.tree };
    });
  }

  private async branchTip(project: string, branch: string): Promise<Head> {
    const git = this.cache.git(project);
    const out = await git
      .run(["rev-parse", `refs/heads/${branch}^{commit}`, `refs/heads/${branch}^{tree}`])
      .catch((error: unknown) => {
        throw new InfraError(`branch ${branch} does not exist in ${project}`, 1, { cause: error });
      });
    const [commit, tree] = out.trim().split("\n");
    if (!commit || !tree) throw new InfraError(`branch ${branch} does not exist in ${project}`);
    return { commit, tree };
  }

  private async patchsetCommit(project: string, change: ChangeRef): Promise<string> {
    const ref = changeRefName(change);
    const sha = await this.cache.resolve(project, ref);
    if (change.commit && change.commit !== sha) {
      throw new InfraError(`${ref} in ${project} is ${sha}, expected ${change.commit}`);
    }
    return sha;
  }

  /** The results merged onto `tip` (the old tip's are dropped once the branch moved). */
  private memoFor(base: string, tip: string): Map<string, Head> {
    const known = this.memo.get(base);
    if (known?.tip === tip) return known.results;
    const results = new Map<string, Head>();
    this.memo.set(base, { tip, results });
    return results;
  }

  /** Every project with a mirror in the cache (directories named `*.git` holding a HEAD). */
  private async cachedProjects(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const path = join(dir, entry.name);
        if (entry.name.endsWith(".git") && existsSync(join(path, "HEAD"))) {
          found.push(prefix + entry.name.slice(0, -".git".length));
        } else {
          await walk(path, `${prefix}${entry.name}/`);
        }
      }
    };
    await walk(this.options.cacheDir, "");
    return found;
  }

  private track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new GateboxError("the merger is closed"));
    const promise = fn();
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

function remember(memo: Map<string, Head>, key: string, head: Head): void {
  if (memo.size >= MEMO_LIMIT) {
    const oldest = memo.keys().next().value;
    if (oldest !== undefined) memo.delete(oldest);
  }
  memo.set(key, head);
}

/** Changes grouped per project in queue order; one project must stay on one branch. */
function groupByProject(request: MergeRequest): Map<string, { branch: string; changes: ChangeRef[] }> {
  const groups = new Map<string, { branch: string; changes: ChangeRef[] }>();
  const add = (project: string, branch: string, change?: ChangeRef) => {
    const group = groups.get(project) ?? { branch, changes: [] };
    if (group.branch !== branch) {
      throw new InputError(`project ${project} appears on two branches in one chain: ${group.branch} and ${branch}`);
    }
    if (change) group.changes.push(change);
    groups.set(project, group);
  };
  for (const change of request.changes) add(change.project, change.branch, change);
  for (const extra of request.extraProjects ?? []) add(extra.project, extra.branch);
  return groups;
}

/** The conflict error, naming the earlier changes of the chain that touched the conflicting files. */
async function blame(
  steps: MergeSteps,
  change: ChangeRef,
  files: readonly string[],
  reason: "conflict" | "fast-forward-impossible",
  earlier: readonly { change: ChangeRef; info: CommitInfo }[],
): Promise<MergeConflictError> {
  if (reason === "fast-forward-impossible") {
    // Whatever moved the head past the change's base: the nearest earlier change, if any.
    return new MergeConflictError(change, files, earlier.at(-1)?.change, earlier.map((e) => e.change), reason);
  }
  const conflicting = new Set(files);
  const touchedBy: ChangeRef[] = [];
  for (const { change: previous, info } of earlier) {
    const touched = await steps.touchedFiles(info);
    if (touched.some((path) => conflicting.has(path))) touchedBy.push(previous);
  }
  return new MergeConflictError(change, files, touchedBy.at(-1), touchedBy, reason);
}
