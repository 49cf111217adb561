import { GitMerger, type GitMergerOptions } from "../../../src/merger/git-merger.ts";
import type { ChangeRef } from "../../../src/merger/types.ts";
import { type FixtureRepo, GitFixtures, type TreeLiteral } from "../../support/git-fixtures.ts";

/** Remote repositories plus a GitMerger whose cache and workspaces live in temp dirs. */
export class MergerHarness {
  readonly fixtures = new GitFixtures();
  readonly repos = new Map<string, FixtureRepo>();
  private mergers: GitMerger[] = [];

  async repo(project: string, initial: TreeLiteral): Promise<FixtureRepo> {
    const repo = await this.fixtures.repo(project, initial);
    this.repos.set(project, repo);
    return repo;
  }

  /** Uploads a change to `project` and returns the ChangeRef the merger takes. */
  async change(
    project: string,
    number: number,
    files: TreeLiteral,
    options: { patchset?: number; parent?: string; message?: string } = {},
  ): Promise<ChangeRef & { commit: string }> {
    const repo = this.repos.get(project);
    if (!repo) throw new Error(`no fixture repo ${project}`);
    const { commit } = await repo.change(number, files, options);
    return { project, branch: repo.branch, number, patchset: options.patchset ?? 1, commit };
  }

  async merger(options: Partial<GitMergerOptions> = {}): Promise<GitMerger> {
    const merger = new GitMerger({
      cacheDir: await this.fixtures.tempDir("gatebox-cache-"),
      workspaceRoot: await this.fixtures.tempDir("gatebox-ws-"),
      remoteUrl: (project) => {
        const repo = this.repos.get(project);
        return repo ? repo.url : `/nonexistent/${project}.git`;
      },
      ...options,
    });
    this.mergers.push(merger);
    return merger;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.mergers.splice(0).map((m) => m.close()));
    await this.fixtures.cleanup();
  }
}
