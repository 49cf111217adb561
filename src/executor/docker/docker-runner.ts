import type { Readable } from "node:stream";
import Docker from "dockerode";
import { InfraError } from "../../errors.ts";
import type { EngineResources, Run, RunOutput, RunRequest, Runner } from "../runner.ts";
import { ensureDir, rootPrefix } from "./archive.ts";
import { ArtifactsDirs } from "./artifacts-dirs.ts";
import { hostWorkspaceOf } from "./bind-mount.ts";
import { type ContainerParams, containerName, instanceFilter, LABEL_BUILD, toContainerOptions } from "./convert.ts";
import { type EngineInfo, WorkspaceMounts } from "./workspace-mounts.ts";
import { DockerRun } from "./docker-run.ts";
import { accessHint, DEFAULT_DOCKER_ENDPOINT, dockerOptions, type EndpointAccess } from "./endpoint.ts";
import {
  daemonMessage,
  isNameConflict,
  isNoSuchImage,
  isNotFound,
  isRemovalInProgress,
  toInfraError,
} from "./errors.ts";
import { pullImage } from "./pull.ts";

export interface DockerRunnerOptions extends EndpointAccess {
  /** unix:///path, /path, tcp://HOST:PORT or ssh://USER@HOST[:PORT]. Default unix:///var/run/docker.sock. */
  endpoint?: string | undefined;
  /** Names the config entry in error messages (`executors[ci]`). */
  where?: string;
  /** Names this gatebox process's containers (label gatebox.instance), for orphan cleanup. */
  instance: string;
  /** Give up on an image pull after this long. Default 10 minutes. */
  pullTimeoutMs?: number;
  /**
   * Where a build whose workspace is bind-mounted gets its artifacts directory on this host
   * (artifacts-dirs.ts), saving a putArchive per build; unset: made in the container.
   */
  scratchDir?: string | undefined;
}

/** Runs each build in a fresh container on one Docker engine. Contract: see Runner. */
export class DockerRunner implements Runner {
  readonly kind = "docker";
  readonly endpoint: string;
  private readonly docker: Docker;
  private readonly instance: string;
  private readonly pullTimeoutMs: number;
  /** The engine's Info, asked once. */
  private info: Promise<EngineInfo> | null = null;
  /** Whether and how a workspace is bind-mounted rather than copied. */
  private readonly mounts: WorkspaceMounts;
  /** One pull per image at a time, shared by every build that needs it. */
  private readonly pulls = new Map<string, Promise<void>>();
  private readonly artifactsDirs: ArtifactsDirs | null;

  constructor(opts: DockerRunnerOptions) {
    this.endpoint = opts.endpoint ?? DEFAULT_DOCKER_ENDPOINT;
    // TLS and SSH key files are read here, once: a missing one is an InputError naming the field.
    this.docker = new Docker(dockerOptions(this.endpoint, opts, opts.where));
    this.instance = opts.instance;
    this.pullTimeoutMs = opts.pullTimeoutMs ?? 10 * 60_000;
    this.artifactsDirs = opts.scratchDir === undefined ? null : new ArtifactsDirs(opts.scratchDir);
    this.mounts = new WorkspaceMounts({
      endpoint: this.endpoint,
      info: () => this.engineInfo(),
      create: (opts, output) => this.create(opts, output),
      remove: (name) => this.remove(name),
    });
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      const hint = accessHint(err, this.endpoint);
      const why = `${daemonMessage(err)}${hint ? ` (${hint})` : ""}`;
      throw new InfraError(`docker: no engine answers at ${this.endpoint}: ${why}`, 1, { cause: err });
    }
  }

  resources(): Promise<EngineResources> {
    return this.engineInfo().then((info) => ({ memory: info.MemTotal ?? 0, cpus: info.NCPU ?? 0 }));
  }

  async start(req: RunRequest, output: RunOutput): Promise<Run> {
    const params = { instance: this.instance, buildId: req.buildId, itemId: req.itemId, job: req.job };
    const placed = await this.place(req, params, output);
    const container = placed.container;
    await this.prepare(container, req, placed);
    let stream: NodeJS.ReadWriteStream;
    try {
      // Attach before start, so not a byte of output is missed; TTY off, so the stream is
      // multiplexed and stdout/stderr stay apart (see DockerDemuxer).
      stream = (await container.attach({ stream: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    } catch (err) {
      throw toInfraError("attach to container", this.endpoint, err);
    }
    try {
      await container.start();
    } catch (err) {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      throw toInfraError(`start container for ${req.job.image}`, this.endpoint, err);
    }
    return new DockerRun(req.buildId, container, this.endpoint, stream, output);
  }

  /**
   * Creates the container: with the workspace bind-mounted when the engine sees this host's files
   * (bind-mount.ts), else plain, with the workspace's tar stream to copy in (`copy`).
   */
  private async place(req: RunRequest, params: ContainerParams, output: RunOutput): Promise<Placed> {
    const workdir = req.job.workdir;
    if (!req.workspace) return { container: await this.create(toContainerOptions(params), output), copy: null, artifactsMounted: false };
    const open = this.opener(req.workspace, workdir);
    const first = await open();
    const mount = await this.mounts.mountable(first, workdir, output);
    if (mount) {
      first.destroy(); // unread: the tar behind it never started
      const artifactsMount = await this.artifactsDir(req);
      const opts = toContainerOptions({ ...params, workspaceMount: mount.dir, artifactsMount });
      const container = await this.mounts.create(opts, mount, workdir, output);
      if (container) return { container, copy: null, artifactsMounted: artifactsMount !== undefined };
    }
    // Opened again right before it is read (a stream straight from a tar process must not wait
    // for the engine), with its members under the workdir's path where the stream can do that.
    first.destroy();
    const prefix = rootPrefix(workdir);
    const copy: Copy = () => open(prefix === null ? undefined : { prefix });
    return { container: await this.create(toContainerOptions(params), output), copy, artifactsMounted: false };
  }

  /** The host directory for the build's artifacts, when there is a scratch dir and the directory is not in the workspace. */
  private async artifactsDir(req: RunRequest): Promise<string | undefined> {
    const dir = req.job.artifacts?.dir;
    if (!this.artifactsDirs || dir === undefined || isWithin(dir, req.job.workdir)) return undefined;
    try {
      return await this.artifactsDirs.make(req.buildId);
    } catch (err) {
      throw toInfraError(`make the artifacts directory for ${dir}`, this.endpoint, err);
    }
  }

  private opener(workspace: NonNullable<RunRequest["workspace"]>, workdir: string): Copy {
    return async (options) => {
      try {
        return await workspace(options);
      } catch (err) {
        throw toInfraError(`make the workspace for ${workdir}`, this.endpoint, err);
      }
    };
  }

  /** The engine's Info (its totals, whether it is rootless), asked once (again after a failure). */
  private engineInfo(): Promise<EngineInfo> {
    this.info ??= (this.docker.info() as Promise<EngineInfo>).catch((err: unknown) => {
      this.info = null;
      throw toInfraError("ask the engine for its memory and CPUs", this.endpoint, err);
    });
    return this.info;
  }

  /**
   * Before start: a copied workspace into the workdir (which Docker made, unless the job starts
   * elsewhere), then the artifacts directory, mode 1777 so any `user` can write to it.
   */
  private async prepare(container: Docker.Container, req: RunRequest, { copy, artifactsMounted }: Placed): Promise<void> {
    const { job } = req;
    const endpoint = this.endpoint;
    if (copy) {
      if (!isWithin(job.startDir, job.workdir)) await ensureDir(container, job.workdir, { mode: 0o755, reset: false, endpoint });
      const tar = await copy();
      // Members named `work/…` go in at `/`: a relative link out of the workdir is no breakout there.
      const prefix = hostWorkspaceOf(tar)?.prefix;
      const path = prefix !== undefined && prefix === rootPrefix(job.workdir) ? "/" : job.workdir;
      try {
        await container.putArchive(tar, { path });
      } catch (err) {
        tar.destroy();
        throw toInfraError(`copy workspace into ${job.workdir}`, endpoint, err);
      }
    }
    if (job.artifacts && !artifactsMounted) await ensureDir(container, job.artifacts.dir, { mode: 0o1777, reset: true, endpoint });
  }

  async destroy(buildId: string): Promise<void> {
    await this.remove(containerName(this.instance, buildId));
    await this.artifactsDirs?.remove(buildId);
  }

  async cleanupOrphans(keep: (buildId: string) => boolean): Promise<string[]> {
    let list: Docker.ContainerInfo[];
    try {
      list = await this.docker.listContainers({ all: true, filters: instanceFilter(this.instance) });
    } catch (err) {
      throw toInfraError("list containers", this.endpoint, err);
    }
    const removed: string[] = [];
    for (const c of list) {
      const buildId = c.Labels[LABEL_BUILD];
      if (buildId === undefined || keep(buildId)) continue;
      await this.remove(c.Id);
      removed.push(buildId);
    }
    // A crash between making an artifacts directory and creating the container leaves only the directory.
    for (const buildId of (await this.artifactsDirs?.sweep(keep)) ?? []) if (!removed.includes(buildId)) removed.push(buildId);
    return removed;
  }

  async reattach(buildId: string, output: RunOutput): Promise<Run | null> {
    let list: Docker.ContainerInfo[];
    try {
      list = await this.docker.listContainers({ all: true, filters: instanceFilter(this.instance, buildId) });
    } catch (err) {
      throw toInfraError("list containers", this.endpoint, err);
    }
    const found = list[0];
    if (!found) return null;
    const container = this.docker.getContainer(found.Id);
    let stream: NodeJS.ReadableStream | null = null;
    if (found.State === "running") {
      try {
        stream = (await container.attach({ stream: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadableStream;
      } catch (err) {
        throw toInfraError("reattach to container", this.endpoint, err);
      }
      output.info("gatebox: reattached after a restart; output written while gatebox was down is lost");
    } else {
      output.info("gatebox: the build ended while gatebox was down; its last output is lost");
    }
    return new DockerRun(buildId, container, this.endpoint, stream, output, found.Created * 1000);
  }

  /** Creates the container; pulls a missing image once; clears a stale container of the same name. */
  private async create(opts: Docker.ContainerCreateOptions, output: RunOutput): Promise<Docker.Container> {
    let pulled = false;
    let cleared = false;
    for (;;) {
      try {
        return await this.docker.createContainer(opts);
      } catch (err) {
        if (isNoSuchImage(err) && !pulled) {
          pulled = true;
          await this.pull(opts.Image!, output);
          continue;
        }
        if (isNameConflict(err) && !cleared) {
          // Left by an attempt whose destroy could not reach the engine.
          cleared = true;
          await this.remove(opts.name!);
          continue;
        }
        throw toInfraError(`create container from ${opts.Image}`, this.endpoint, err);
      }
    }
  }

  private pull(image: string, output: RunOutput): Promise<void> {
    let p = this.pulls.get(image);
    if (!p) {
      p = pullImage(this.docker, image, this.endpoint, this.pullTimeoutMs, output).finally(() => this.pulls.delete(image));
      this.pulls.set(image, p);
    } else {
      output.info(`gatebox: waiting for the pull of ${image} another build started`);
    }
    return p;
  }

  private async remove(idOrName: string): Promise<void> {
    try {
      // force: SIGKILL then remove in one call, the fastest way to make a container disappear.
      await this.docker.getContainer(idOrName).remove({ force: true, v: true });
    } catch (err) {
      if (isNotFound(err)) return;
      // Someone else (the attempt loop, a cancel) is removing it: done means gone, so wait for that.
      if (isRemovalInProgress(err)) return this.waitGone(idOrName);
      throw toInfraError(`remove container ${idOrName}`, this.endpoint, err);
    }
  }

  private async waitGone(idOrName: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      try {
        await this.docker.getContainer(idOrName).inspect();
      } catch (err) {
        if (isNotFound(err)) return;
        throw toInfraError(`inspect container ${idOrName}`, this.endpoint, err);
      }
      await Bun.sleep(20);
    }
    throw toInfraError(`remove container ${idOrName}`, this.endpoint, new Error("still being removed after 2 s"));
  }
}

/** Opens the workspace's tar stream to copy in. */
type Copy = (options?: { prefix?: string }) => Promise<Readable>;

/** A created container, and what is left to do before it starts. */
interface Placed {
  readonly container: Docker.Container;
  readonly copy: Copy | null;
  readonly artifactsMounted: boolean;
}

/** Whether `path` is `dir` or below it (both normalized absolute paths). */
function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}
