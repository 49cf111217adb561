import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { GateboxError, InputError } from "../errors.ts";
import type { CheckoutOptions } from "./checkout.ts";
import { Spares } from "./spares.ts";
import type { WorkspaceTarOptions } from "./merger.ts";
import type { RepoCache } from "./repo-cache.ts";
import type { RepoState, Workspace, WorkspaceStrategy } from "./types.ts";
import { dematerialize, isSelfContained, materialize, tarDirectory } from "./workspace.ts";

export interface WorkspacesOptions {
  /** Directory under which workspaces are made, one subdirectory per build. */
  readonly root: string;
  readonly strategy: WorkspaceStrategy;
  /** Per project, the options of the `checkout` strategy (its `origin` remote). */
  readonly checkout: (project: string) => CheckoutOptions;
}

const WORKSPACE_NAME = /^[A-Za-z0-9._-]+$/;
/**
 * A file at the root saying that everything beside it is gatebox's to delete. Written when the
 * root is created, or found empty; a root that already held other files is never swept.
 */
export const ROOT_MARKER = ".gatebox-workspaces";
/** Under the root: checkouts made ahead of time, for the next workspaces (spares.ts). */
export const SPARES_DIR = ".spares";

/** The workspaces of one GitMerger: `<root>/<name>/<project>`, and the sweep of leftovers. */
export class Workspaces {
  /** Names of the workspaces this process prepared and has not removed. */
  private readonly live = new Set<string>();
  /** The sweep of what a crashed process left behind: once, before the first workspace. */
  private startup: Promise<unknown> | null = null;
  /** `checkout` only: checkouts made ahead, so a workspace on a slow disk writes only what differs. */
  private readonly spares: Spares | null;

  constructor(
    private readonly cache: RepoCache,
    private readonly options: WorkspacesOptions,
  ) {
    this.spares = options.strategy === "checkout" ? new Spares(cache, join(options.root, SPARES_DIR), options.checkout) : null;
  }

  async prepare(state: RepoState, name: string): Promise<Workspace> {
    if (!WORKSPACE_NAME.test(name)) throw new InputError(`invalid workspace name ${JSON.stringify(name)}`);
    const dir = join(this.options.root, name);
    if (this.live.has(name)) throw new GateboxError(`workspace ${dir} is in use`);
    this.live.add(name);
    // A sweep that fails (a permission problem) must not stop builds: the name's own leftover goes below.
    this.startup ??= this.sweep();
    await this.startup.catch(() => undefined);
    // Left over by a process that crashed mid-build: nobody uses it any more.
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    const projects: Record<string, string> = {};
    for (const project of Object.keys(state)) projects[project] = join(dir, project);
    const strategy = this.options.strategy;
    const workspace: Workspace = { dir, state, projects, strategy };
    try {
      // One project at a time: checkouts are disk-bound and the cores are shared.
      for (const [project, projectState] of Object.entries(state)) {
        const mirror = this.cache.pathOf(project);
        const dest = projects[project]!;
        if (this.spares && (await this.spares.take(project, projectState, dest))) continue;
        const make = () => materialize(strategy, mirror, projectState, dest, this.options.checkout(project));
        await (strategy === "worktree" ? this.cache.lock.run(project, make) : make());
      }
    } catch (error) {
      await this.remove(workspace).catch(() => undefined);
      throw error;
    }
    return workspace;
  }

  async remove(workspace: Workspace): Promise<void> {
    for (const [project, dest] of Object.entries(workspace.projects)) {
      const mirror = this.cache.pathOf(project);
      if (workspace.strategy === "worktree" && existsSync(mirror)) {
        await this.cache.lock.run(project, () => dematerialize(workspace.strategy, mirror, dest));
      } else {
        await dematerialize(workspace.strategy, mirror, dest);
      }
    }
    await rm(workspace.dir, { recursive: true, force: true });
    if (workspace.dir === join(this.options.root, basename(workspace.dir))) this.live.delete(basename(workspace.dir));
    // After a build, off its path: checkouts for the next builds of the same branches.
    if (this.spares) for (const [project, p] of Object.entries(workspace.state)) await this.spares.refill(project, p.branch);
  }

  /** `.git` goes in by default when it works on its own (the `checkout` strategy). */
  tar(workspace: Workspace, options: WorkspaceTarOptions = {}): Readable {
    return tarDirectory(workspace.dir, { ...options, includeGit: options.includeGit ?? isSelfContained(workspace.strategy) });
  }

  /**
   * Deletes every entry of the root that is neither a live workspace of this process nor kept,
   * and returns their names. Replaces the automatic sweep before the first workspace when called
   * before it. Sweeps nothing in a root it did not mark as its own (see ROOT_MARKER).
   */
  clean(keep: (name: string) => boolean = () => false): Promise<string[]> {
    const run = this.sweep(keep);
    this.startup ??= run;
    return run;
  }

  private async sweep(keep: (name: string) => boolean = () => false): Promise<string[]> {
    const root = this.options.root;
    if (!(await this.ownsRoot())) return [];
    const removed: string[] = [];
    for (const entry of await readdir(root)) {
      if (entry === ROOT_MARKER || this.live.has(entry) || keep(entry)) continue;
      // A crashed process's spares go with the first sweep; this process's own stay.
      if (entry === SPARES_DIR && this.spares?.inUse) continue;
      await rm(join(root, entry), { recursive: true, force: true });
      removed.push(entry);
    }
    return removed;
  }

  /** Whether the root is marked as gatebox's; marks it when it is missing or empty. */
  private async ownsRoot(): Promise<boolean> {
    const root = this.options.root;
    if (existsSync(join(root, ROOT_MARKER))) return true;
    await mkdir(root, { recursive: true, mode: 0o700 });
    const entries = (await readdir(root)).filter((entry) => !this.live.has(entry));
    if (entries.length > 0) return false;
    await writeFile(join(root, ROOT_MARKER), "Everything beside this file is deleted when gatebox starts.\n", { mode: 0o600 });
    return true;
  }
}
