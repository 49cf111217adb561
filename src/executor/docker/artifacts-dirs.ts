/**
 * Host directories bind-mounted at a build's artifacts directory, one per build, when its
 * workspace is bind-mounted too (a local engine that sees this host's files, bind-mount.ts).
 *
 * Making the artifacts directory inside the container before it starts costs a putArchive,
 * which mounts the container's filesystem in the engine: 90–130 ms of every build's start, more
 * than anything else but the container start itself (docs/performance.md, "Builds starting").
 * A host directory of mode 1777 is writable by whatever user the build runs as, exactly as the
 * directory made in the container was. The artifacts are still copied out through the engine
 * (getArchive resolves links the build made inside the container, never on this host).
 *
 * Layout: `<root>/build-<id>`, the build id URI-encoded (no `/`, never `.` or `..`).
 * Contract: `make` before create, `remove` on destroy, `sweep` with the runner's orphan cleanup.
 */
import { chmod, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

export class ArtifactsDirs {
  constructor(private readonly root: string) {}

  /** Makes the (empty) directory of a build, mode 1777; a leftover of an earlier attempt is emptied first. */
  async make(buildId: string): Promise<string> {
    const dir = this.dirOf(buildId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await mkdir(dir);
    // Not through mkdir's mode: the umask would take the write bits of others away.
    await chmod(dir, 0o1777);
    return dir;
  }

  async remove(buildId: string): Promise<void> {
    await rm(this.dirOf(buildId), { recursive: true, force: true });
  }

  /** Removes the directories of builds `keep` says no to (left by a crash); returns those builds. Names it did not make are left alone. */
  async sweep(keep: (buildId: string) => boolean): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const gone: string[] = [];
    for (const name of names) {
      const buildId = idOf(name);
      if (buildId === null || keep(buildId)) continue;
      await rm(join(this.root, name), { recursive: true, force: true });
      gone.push(buildId);
    }
    return gone;
  }

  private dirOf(buildId: string): string {
    return join(this.root, `${PREFIX}${encodeURIComponent(buildId)}`);
  }
}

const PREFIX = "build-";

/** The build id a directory name encodes; null for a name this class did not make. */
function idOf(name: string): string | null {
  if (!name.startsWith(PREFIX)) return null;
  try {
    return decodeURIComponent(name.slice(PREFIX.length));
  } catch {
    return null;
  }
}
