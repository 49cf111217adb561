import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { advanceCheckout, type CheckoutOptions, checkoutInto } from "./checkout.ts";
import { GitRunner } from "./git.ts";
import type { RepoCache } from "./repo-cache.ts";
import type { ProjectState } from "./types.ts";

/** Spares kept per project and branch: enough for the builds of an item or two starting at once. */
export const SPARES_PER_BRANCH = 2;

interface Spare {
  readonly dir: string;
  /** The commit it is checked out at (the mirror's branch tip when it was made). */
  readonly commit: string;
}

/**
 * Checkouts made ahead of time, per project and branch, so that a workspace costs what differs
 * rather than every file. Creating 10,000 files takes seconds on a disk (docs/merger.md,
 * "Figures"); moving a spare into place is a rename, and advancing it from the branch tip to the
 * speculative state writes the few files the changes touch (`advanceCheckout`).
 *
 * A spare is made by `checkoutInto`, like any workspace, and no build ever sees it before it is
 * taken: nothing a build wrote (hooks, config, files) is ever reused. Spares are made after a
 * workspace of the same branch is removed (off the path of any build) and live under
 * `<workspace root>/.spares/`; a crashed process's spares are swept with the other leftovers.
 */
export class Spares {
  private readonly ready = new Map<string, Spare[]>();
  private readonly making = new Map<string, Promise<void>>();
  /** Who waits for the next spare of a branch (or for its making to end). */
  private readonly waiting = new Map<string, (() => void)[]>();
  private seq = 0;
  /** Set once this process made a spare: the root's sweep must keep the spares directory from then on. */
  inUse = false;

  constructor(
    private readonly cache: RepoCache,
    private readonly dir: string,
    private readonly checkout: (project: string) => CheckoutOptions,
  ) {}

  /**
   * Makes `dest` the workspace of `project` at `state` from a spare of its branch (waiting for
   * one being made); false when there is none or it could not be used (nothing is left at
   * `dest` then: the caller checks out afresh).
   */
  async take(project: string, state: ProjectState, dest: string): Promise<boolean> {
    const key = keyOf(project, state.branch);
    let spare = this.ready.get(key)?.shift();
    if (!spare && this.making.has(key)) {
      // The one being made is done sooner than a fresh checkout would be.
      await new Promise<void>((resolve) => this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]));
      spare = this.ready.get(key)?.shift();
    }
    if (!spare) return false;
    try {
      await mkdir(dirname(dest), { recursive: true });
      await rename(spare.dir, dest);
      await advanceCheckout(this.cache.pathOf(project), spare.commit, state, dest);
      return true;
    } catch {
      // A spare that cannot be advanced (its mirror was replaced, say) is not worth a failed build.
      await Promise.all([rm(dest, { recursive: true, force: true }), rm(spare.dir, { recursive: true, force: true })]);
      return false;
    }
  }

  /** Makes spares of `project`'s `branch` at the mirror's tip, up to SPARES_PER_BRANCH. Never throws. */
  refill(project: string, branch: string): Promise<void> {
    const key = keyOf(project, branch);
    const running = this.making.get(key);
    if (running) return running;
    this.inUse = true;
    const job = this.fill(project, branch, key).finally(() => {
      this.making.delete(key);
      this.wake(key);
    });
    this.making.set(key, job);
    return job;
  }

  private wake(key: string): void {
    const waiters = this.waiting.get(key) ?? [];
    this.waiting.delete(key);
    for (const resolve of waiters) resolve();
  }

  private async fill(project: string, branch: string, key: string): Promise<void> {
    const mirror = this.cache.pathOf(project);
    const list = this.ready.get(key) ?? [];
    this.ready.set(key, list);
    while (list.length < SPARES_PER_BRANCH) {
      const dir = join(this.dir, String(this.seq++));
      try {
        const commit = (await new GitRunner(mirror).run(["rev-parse", "--verify", `refs/heads/${branch}^{commit}`])).trim();
        await mkdir(this.dir, { recursive: true });
        await checkoutInto(mirror, { branch, commit }, dir, this.checkout(project));
        list.push({ dir, commit });
        this.wake(key);
      } catch {
        // No spare this time (the mirror is gone, the disk is full): workspaces are made afresh.
        await rm(dir, { recursive: true, force: true });
        return;
      }
    }
  }
}

function keyOf(project: string, branch: string): string {
  return `${project}\0${branch}`;
}
