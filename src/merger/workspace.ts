import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { InfraError, InputError } from "../errors.ts";
import { type CheckoutOptions, checkoutInto } from "./checkout.ts";
import { baseEnv, GitRunner } from "./git.ts";
import type { WorkspaceTarOptions } from "./merger.ts";
import type { ProjectState, WorkspaceStrategy } from "./types.ts";

/**
 * Checks out `state.commit` from the bare mirror at `mirror` into the new directory `dest`.
 * `worktree` registers the checkout in the mirror: call it under the mirror's lock. `options`
 * only concern `checkout` (the self-contained repository).
 */
export async function materialize(
  strategy: WorkspaceStrategy,
  mirror: string,
  state: Pick<ProjectState, "branch" | "commit">,
  dest: string,
  options: CheckoutOptions = {},
): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const commit = state.commit;
  switch (strategy) {
    case "checkout":
      return checkoutInto(mirror, state, dest, options);
    case "archive":
      await mkdir(dest);
      return archiveInto(mirror, commit, dest);
    case "worktree":
      await new GitRunner(mirror).run(["worktree", "add", "--quiet", "--detach", dest, commit]);
      return;
    case "clone-shared":
    case "clone-reference": {
      const how = strategy === "clone-shared" ? ["--shared"] : ["--reference", mirror];
      await new GitRunner(dirname(dest)).run(["clone", "--quiet", "--no-checkout", ...how, mirror, dest]);
      await new GitRunner(dest).run(["checkout", "--quiet", "--detach", commit]);
      return;
    }
  }
}

/**
 * Removes a checkout made by `materialize`; idempotent. For `worktree`, also forgets it in the
 * mirror (call under the mirror's lock).
 */
export async function dematerialize(strategy: WorkspaceStrategy, mirror: string, dest: string): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  if (strategy === "worktree") await new GitRunner(mirror).run(["worktree", "prune"]);
}

/** `git archive <commit> | tar -x -C dest`, failing if either side fails. */
async function archiveInto(mirror: string, commit: string, dest: string): Promise<void> {
  const env = baseEnv();
  const archive = Bun.spawn(["git", "-C", mirror, "archive", "--format=tar", commit], {
    stdout: "pipe",
    stderr: "pipe",
    env,
  });
  const tar = Bun.spawn(["tar", "-x", "-f", "-", "-C", dest], { stdin: archive.stdout, stderr: "pipe", env });
  const [archiveErr, tarErr, archiveCode, tarCode] = await Promise.all([
    new Response(archive.stderr).text(),
    new Response(tar.stderr).text(),
    archive.exited,
    tar.exited,
  ]);
  if (archiveCode !== 0 || tarCode !== 0) {
    throw new InfraError(
      `cannot extract ${commit} from ${mirror} into ${dest}: ${archiveErr.trim() || tarErr.trim() || "exit status"}`,
    );
  }
}

/** Whether a strategy's `.git` works on its own once copied elsewhere (into a container). */
export function isSelfContained(strategy: WorkspaceStrategy): boolean {
  return strategy === "checkout";
}

/**
 * What a workspace tar stream is made of, readable on the stream under `WORKSPACE_SOURCE`: a
 * runner whose engine sees this host's files (a local Docker engine) bind-mounts `dir` instead of
 * reading the stream, which it then destroys unread (tar never runs). The key is a registry
 * symbol, the same one `src/executor/docker/bind-mount.ts` reads, so neither room imports the other.
 */
export interface WorkspaceSource {
  readonly dir: string;
  readonly includeGit: boolean;
  readonly owner: { readonly uid: number; readonly gid: number };
  /** The members' leading path when one was asked for (WorkspaceTarOptions.prefix). */
  readonly prefix?: string;
}

/** A path tar's name transform can take as it is, and that stays below the extraction root. */
const PREFIX = /^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/;
export const WORKSPACE_SOURCE: unique symbol = Symbol.for("gatebox.workspace-source") as never;

/**
 * A tar stream of `dir`'s contents (members named relative to `dir`, sorted for determinism),
 * without `.git` unless `includeGit`. Members are owned by `owner` (root by default): git refuses
 * a repository owned by another user ("dubious ownership"), so a workspace extracted in a
 * container must belong to the user the build runs as, not to whichever user gatebox runs as.
 * The returned stream errors with InfraError when tar exits non-zero, so a consumer never mistakes
 * a truncated archive for a complete one. Lazy: tar starts at the first read, so a consumer that
 * mounts the directory instead (see WorkspaceSource) costs nothing.
 */
export function tarDirectory(dir: string, options: WorkspaceTarOptions = {}): Readable {
  const owner = options.owner ?? { uid: 0, gid: 0 };
  const { prefix } = options;
  if (prefix !== undefined && (!PREFIX.test(prefix) || prefix.split("/").some((part) => part === "." || part === ".."))) {
    throw new InputError(`invalid workspace prefix ${JSON.stringify(prefix)}`);
  }
  const source: WorkspaceSource = { dir, includeGit: options.includeGit ?? false, owner, ...(prefix !== undefined ? { prefix } : {}) };
  const out = new PassThrough();
  Object.defineProperty(out, WORKSPACE_SOURCE, { value: source });
  let started = false;
  const read = out._read.bind(out);
  out._read = (size: number) => {
    if (!started) {
      started = true;
      runTar(source, out);
    }
    read(size);
  };
  return out;
}

/** Spawns tar for `source` and pipes it into `out`, which errors when tar fails. */
function runTar(source: WorkspaceSource, out: PassThrough): void {
  const { dir, owner } = source;
  const args = ["-c", "-f", "-", "--sort=name", "--numeric-owner", `--owner=${owner.uid}`, `--group=${owner.gid}`, "-C", dir];
  if (!source.includeGit) args.push("--exclude=.git");
  // `.` (the root) becomes the prefix and `./x` prefix/x; `S`: never in a link's target.
  if (source.prefix !== undefined) args.push(`--transform=s,^\\.$,${source.prefix},S`, `--transform=s,^\\./,${source.prefix}/,S`);
  args.push(".");
  const child = spawn("tar", args, { stdio: ["ignore", "pipe", "pipe"], env: baseEnv() });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdout.pipe(out, { end: false });
  child.on("error", (error) => out.destroy(new InfraError(`cannot run tar: ${error.message}`, 1, { cause: error })));
  child.on("close", (code) => {
    if (code === 0) out.end();
    else out.destroy(new InfraError(`tar of ${dir} failed (exit status ${code}): ${stderr.trim()}`));
  });
  // A consumer that gives up early must not leave tar running.
  out.on("close", () => {
    if (child.exitCode === null) child.kill();
  });
}
