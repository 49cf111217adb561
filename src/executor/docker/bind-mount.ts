/**
 * Whether a build's workspace can be bind-mounted rather than copied, and making it ready.
 *
 * Copying a 10,000-file workspace with putArchive takes seconds; a bind mount takes none. It is
 * only right when the engine sees this process's files at the same paths (a local engine, not
 * gatebox in a container talking to the host's socket, not a remote engine), and when the files
 * can belong to the user the build runs as, as the copy would make them. Anything else copies.
 */
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { InfraError } from "../../errors.ts";
import { parseEndpoint } from "./endpoint.ts";

/**
 * What the merger's workspace tar stream says it is made of (`WorkspaceSource` in
 * src/merger/workspace.ts, under the same registry symbol): the directory, whether `.git` goes
 * in, and who must own the files.
 */
export interface HostWorkspace {
  readonly dir: string;
  readonly includeGit: boolean;
  readonly owner: { readonly uid: number; readonly gid: number };
  /** The members' leading path, when the stream was asked for one and made it. */
  readonly prefix?: string;
}
const WORKSPACE_SOURCE = Symbol.for("gatebox.workspace-source");

/** The host directory behind a workspace stream, when the stream says so; else null. */
export function hostWorkspaceOf(stream: Readable): HostWorkspace | null {
  const source = (stream as unknown as Record<symbol, unknown>)[WORKSPACE_SOURCE] as HostWorkspace | undefined;
  if (!source || typeof source.dir !== "string" || !source.dir.startsWith("/")) return null;
  return source;
}

/** Why an engine is never given a bind mount, or null when it may be (the probe decides the rest). */
export function bindRefusal(endpoint: string, securityOptions: readonly string[] | undefined): string | null {
  const ep = parseEndpoint(endpoint);
  if (typeof ep === "string" || ep.scheme !== "unix") return "the engine is remote: the workspace is copied";
  // A rootless engine maps user ids: the files would not belong to the build's user.
  if ((securityOptions ?? []).some((o) => o.split(",").includes("name=rootless"))) return "the engine is rootless: the workspace is copied";
  return null;
}

/**
 * Why this workspace cannot be mounted as it is, or null. A strategy whose `.git` points into the
 * host's cache (`includeGit` false) is copied without `.git`, as it always was; files that must
 * belong to another user need gatebox to be root to hand them over.
 */
export function workspaceRefusal(ws: HostWorkspace, self: { uid: number; gid: number }): string | null {
  if (!ws.includeGit) return "the workspace's .git is not self-contained";
  if (sameOwner(ws.owner, self) || self.uid === 0) return null;
  return `gatebox (uid ${self.uid}) cannot hand the files to uid ${ws.owner.uid}`;
}

function sameOwner(a: { uid: number; gid: number }, b: { uid: number; gid: number }): boolean {
  return a.uid === b.uid && a.gid === b.gid;
}

/** This process's user and group (root on a system without them). */
export function processOwner(): { uid: number; gid: number } {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/**
 * Gives every file of `dir` (the directory included, symbolic links themselves, never what they
 * point to) to `owner`, when it is not gatebox's own user: what the copy does with tar's --owner.
 */
export async function handOver(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  if (sameOwner(owner, processOwner())) return;
  // -R without -L never follows a link; -h changes the link, not its target.
  const child = Bun.spawn(["chown", "-R", "-h", `${owner.uid}:${owner.gid}`, dir], { stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new InfraError(`cannot give ${dir} to ${owner.uid}:${owner.gid}: ${err.trim() || `exit status ${code}`}`);
}

/**
 * A file with a name nobody can guess, in `dir`, to see whether the engine finds it in a
 * created container (see DockerRunner); `remove` deletes it before the build starts.
 */
export async function placeProbe(dir: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `.gatebox-probe-${randomBytes(12).toString("hex")}`;
  const path = join(dir, name);
  await writeFile(path, "", { mode: 0o600 });
  return { name, remove: () => rm(path, { force: true }) };
}
