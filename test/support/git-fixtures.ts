import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A tree literal: path → file content; `null` deletes the path (in a commit on top of a parent). */
export type TreeLiteral = Readonly<Record<string, string | null>>;

/** Runs git with a hermetic environment; throws with stderr on a non-zero exit. */
export async function git(cwd: string, args: readonly string[], stdin?: string): Promise<string> {
  const proc = Bun.spawn(["git", ...args], {
    cwd,
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
    },
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`git ${args.join(" ")} (in ${cwd}) exited ${code}: ${err.trim()}`);
  return out;
}

let clock = 1_700_000_000;

/**
 * A bare repository standing in for a Gerrit project: commits are written with `git fast-import`
 * (no work tree), change refs are created the way Gerrit does (`refs/changes/NN/N/P`).
 */
export class FixtureRepo {
  constructor(
    readonly dir: string,
    readonly branch: string,
  ) {}

  /** The URL the merger fetches from. */
  get url(): string {
    return `file://${this.dir}`;
  }

  /** Writes a commit whose tree is `parent`'s with `changes` applied (a root commit without parent). */
  async commit(parent: string | null, changes: TreeLiteral, message: string, parents: string[] = []): Promise<string> {
    const ref = "refs/fixture/scratch";
    const lines: string[] = [`reset ${ref}`, `commit ${ref}`];
    const when = clock++;
    lines.push(`author Ann Author <ann@example.org> ${when} +0000`);
    lines.push(`committer Ann Author <ann@example.org> ${when} +0000`);
    lines.push(`data ${Buffer.byteLength(message)}`, message);
    if (parent) lines.push(`from ${parent}`);
    for (const extra of parents) lines.push(`merge ${extra}`);
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) lines.push(`D ${path}`);
      else lines.push(`M 100644 inline ${path}`, `data ${Buffer.byteLength(content)}`, content);
    }
    lines.push("");
    await git(this.dir, ["fast-import", "--quiet", "--force"], lines.join("\n"));
    const sha = (await git(this.dir, ["rev-parse", ref])).trim();
    await git(this.dir, ["update-ref", "-d", ref]);
    return sha;
  }

  /** Commits on top of a branch's tip and moves the branch (a change merged by someone else). */
  async advance(changes: TreeLiteral, message = "Direct push", branch = this.branch): Promise<string> {
    const tip = await this.tip(branch);
    const sha = await this.commit(tip, changes, message);
    await git(this.dir, ["update-ref", `refs/heads/${branch}`, sha]);
    return sha;
  }

  /** Uploads a patchset: a commit on `parent` (default: the branch tip) under its change ref. */
  async change(
    number: number,
    changes: TreeLiteral,
    options: { patchset?: number; parent?: string; message?: string } = {},
  ): Promise<{ ref: string; commit: string }> {
    const patchset = options.patchset ?? 1;
    const parent = options.parent ?? (await this.tip());
    const message = options.message ?? `Change ${number}\n\nChange-Id: I${String(number).padStart(40, "0")}\n`;
    const commit = await this.commit(parent, changes, message);
    const ref = `refs/changes/${String(number % 100).padStart(2, "0")}/${number}/${patchset}`;
    await git(this.dir, ["update-ref", ref, commit]);
    return { ref, commit };
  }

  async tip(branch = this.branch): Promise<string> {
    return (await git(this.dir, ["rev-parse", `refs/heads/${branch}`])).trim();
  }

  async treeOf(rev: string): Promise<string> {
    return (await git(this.dir, ["rev-parse", `${rev}^{tree}`])).trim();
  }

  /** The content of a file at a revision, or null when the path does not exist there. */
  async read(rev: string, path: string): Promise<string | null> {
    try {
      return await git(this.dir, ["show", `${rev}:${path}`]);
    } catch {
      return null;
    }
  }
}

/** Temp directories and repositories for one test file; `cleanup()` removes them all. */
export class GitFixtures {
  private readonly dirs: string[] = [];

  async tempDir(prefix = "gatebox-git-"): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** A bare repository named `name` (slashes allowed) whose branch holds `initial` in one commit. */
  async repo(name: string, initial: TreeLiteral, branch = "main"): Promise<FixtureRepo> {
    const root = await this.tempDir("gatebox-remote-");
    const dir = join(root, `${name}.git`);
    await mkdir(dir, { recursive: true });
    await git(dir, ["init", "--quiet", "--bare", `--initial-branch=${branch}`]);
    const repo = new FixtureRepo(dir, branch);
    const sha = await repo.commit(null, initial, "Initial import\n");
    await git(dir, ["update-ref", `refs/heads/${branch}`, sha]);
    return repo;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
