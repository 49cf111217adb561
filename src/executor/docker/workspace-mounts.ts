import { lstat, realpath } from "node:fs/promises";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import type { RunOutput } from "../runner.ts";
import { pathExists } from "./archive.ts";
import { bindRefusal, type HostWorkspace, handOver, hostWorkspaceOf, placeProbe, processOwner, workspaceRefusal } from "./bind-mount.ts";
import { isBindSourceMissing, toInfraError } from "./errors.ts";

/** What gatebox reads of the engine's Info. */
export interface EngineInfo {
  MemTotal?: number;
  NCPU?: number;
  SecurityOptions?: string[];
}

/** What the mounts need of their DockerRunner. */
export interface MountDeps {
  endpoint: string;
  info(): Promise<EngineInfo>;
  create(opts: Docker.ContainerCreateOptions, output: RunOutput): Promise<Docker.Container>;
  remove(name: string): Promise<void>;
}

/**
 * One DockerRunner's decisions about bind-mounting workspaces (bind-mount.ts says when it is
 * allowed): once a probe shows the engine does not see this host's files, every later workspace
 * of this runner is copied without asking again.
 */
export class WorkspaceMounts {
  /** Why workspaces are copied rather than mounted, once a probe showed the engine does not see our files. */
  private unmountable: string | null = null;

  constructor(private readonly deps: MountDeps) {}

  /** The workspace's host directory, handed to the build's user, when it may be mounted; else null (a line says why). */
  async mountable(stream: Readable, workdir: string, output: RunOutput): Promise<HostWorkspace | null> {
    const ws = hostWorkspaceOf(stream);
    if (!ws) return null;
    const why =
      this.unmountable ??
      bindRefusal(this.deps.endpoint, (await this.deps.info()).SecurityOptions) ??
      (workdir === "/" ? "the workdir is /" : workspaceRefusal(ws, processOwner()));
    if (why !== null) {
      output.info(`gatebox: copying the workspace into ${workdir} (${why})`);
      return null;
    }
    try {
      // The directory gatebox made, never a link to elsewhere; mounted by its real path (a
      // workspace root under a linked data dir), which is what the engine would resolve anyway.
      if (!(await lstat(ws.dir)).isDirectory()) throw new Error(`${ws.dir} is not a directory`);
      const dir = await realpath(ws.dir);
      await handOver(dir, ws.owner);
      return { ...ws, dir };
    } catch (err) {
      throw toInfraError("hand the workspace to the build's user", this.deps.endpoint, err);
    }
  }

  /**
   * Creates the container with the mount and checks that the engine sees this host's files there
   * (a probe file of an unguessable name, removed before the build starts). Null, and copies from
   * now on, when it does not: the engine runs on another machine, or gatebox runs in a container
   * whose paths the engine's host does not have.
   */
  async create(opts: Docker.ContainerCreateOptions, ws: HostWorkspace, workdir: string, output: RunOutput): Promise<Docker.Container | null> {
    const probe = await placeProbe(ws.dir);
    try {
      let container: Docker.Container;
      try {
        container = await this.deps.create(opts, output);
      } catch (err) {
        if (!isBindSourceMissing(err)) throw err;
        return this.stop("the engine has no such directory", workdir, output);
      }
      if (await pathExists(container, `${workdir}/${probe.name}`, this.deps.endpoint)) {
        output.info(`gatebox: workspace mounted at ${workdir} (not copied)`);
        return container;
      }
      await this.deps.remove(opts.name!);
      return this.stop("the engine does not see this host's files there", workdir, output);
    } finally {
      await probe.remove();
    }
  }

  private stop(why: string, workdir: string, output: RunOutput): null {
    this.unmountable = `${why}: the workspace is copied`;
    output.info(`gatebox: copying the workspace into ${workdir} (${this.unmountable})`);
    return null;
  }
}
