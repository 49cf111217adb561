/**
 * Directories and artifacts through Docker's archive API (no exec, no binds, so remote engines
 * work and a container with a non-root `user` gets a directory it can write to anyway).
 */
import { posix } from "node:path";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { type ArtifactsCopy, extractArtifacts } from "../artifacts.ts";
import type { ArtifactsRequest } from "../runner.ts";
import { tarEnd, tarEntry } from "../tar.ts";
import { isNotFound, toInfraError } from "./errors.ts";

/**
 * The workdir as a path relative to `/` (`/work` → `work`), for a workspace tar whose members are
 * named under it and extracted at `/`; null for `/` itself or a path with other characters than
 * `[A-Za-z0-9._+-]` per segment (such a workspace is extracted at the workdir, as before).
 */
export function rootPrefix(workdir: string): string | null {
  const rel = workdir.replace(/^\/+/, "").replace(/\/+$/, "");
  if (rel === "" || !/^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/.test(rel)) return null;
  return rel.split("/").some((part) => part === "." || part === "..") ? null : rel;
}

/** Whether `path` exists in the (created or stopped) container: HEAD /containers/{id}/archive. */
export async function pathExists(container: Docker.Container, path: string, endpoint: string): Promise<boolean> {
  try {
    const res = (await container.infoArchive({ path })) as { destroy?: () => void; resume?: () => void } | undefined;
    res?.resume?.();
    res?.destroy?.();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw toInfraError(`look for ${path} in the container`, endpoint, err);
  }
}

/**
 * Makes `dir` in the container before it starts, as root: its missing parents with mode 0755,
 * `dir` itself with `mode`. With `reset`, an existing `dir` gets `mode` (and owner root) too; its
 * existing parents are never touched. One putArchive of directory entries at the deepest parent
 * that exists.
 */
export async function ensureDir(
  container: Docker.Container,
  dir: string,
  opts: { mode: number; reset: boolean; endpoint: string },
): Promise<void> {
  const parts = dir.split("/").filter((p) => p !== "");
  let have: number;
  if (!opts.reset && (await pathExists(container, dir, opts.endpoint))) return;
  // The deepest existing parent: usually the one right above (the workdir).
  for (have = parts.length - 1; have > 0; have--) {
    if (await pathExists(container, `/${parts.slice(0, have).join("/")}`, opts.endpoint)) break;
  }
  const entries: Uint8Array[] = [];
  for (let i = have; i < parts.length; i++) {
    const name = `${parts.slice(have, i + 1).join("/")}/`;
    entries.push(tarEntry({ name, type: "dir", mode: i === parts.length - 1 ? opts.mode : 0o755 }));
  }
  entries.push(tarEnd());
  const base = `/${parts.slice(0, have).join("/")}`;
  try {
    await container.putArchive(Readable.from([Buffer.concat(entries)]), { path: base });
  } catch (err) {
    throw toInfraError(`make ${dir} in the container`, opts.endpoint, err);
  }
}

/** Copies the artifacts directory out of a stopped (or running) container. */
export async function copyArtifactsOut(container: Docker.Container, req: ArtifactsRequest, endpoint: string): Promise<ArtifactsCopy> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await container.getArchive({ path: req.dir, abortSignal: req.signal })) as NodeJS.ReadableStream;
  } catch (err) {
    if (isNotFound(err)) {
      req.note(`gatebox: artifacts: ${req.dir} is not there; nothing to copy`);
      return { files: [], dropped: 0 };
    }
    throw toInfraError(`copy ${req.dir} out of the container`, endpoint, err);
  }
  return extractArtifacts(stream as AsyncIterable<Uint8Array>, { root: posix.basename(req.dir), into: req.into, limit: req.limit, note: req.note });
}
