/**
 * Pure translation of a build into Docker's container-create body. No I/O: unit-tested without
 * an engine (test/unit/executor/convert.test.ts).
 */
import type Docker from "dockerode";
import { jobEnv, type ResolvedJob, shellCommand } from "../job.ts";

export const LABEL_BUILD = "gatebox.build";
export const LABEL_ITEM = "gatebox.item";
export const LABEL_INSTANCE = "gatebox.instance";

/**
 * Capabilities a build keeps; every other is dropped. Enough for a build running as root to
 * chown/chmod its files and switch user (package managers do), and not enough to touch the
 * kernel, the network stack or devices.
 */
export const KEPT_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "SETUID", "SETGID", "KILL"];

/**
 * The container name of a build: stable, so `destroy(buildId)` finds a container even when the
 * create response was lost, and unique per instance and build. Docker allows [a-zA-Z0-9][a-zA-Z0-9_.-]*.
 */
export function containerName(instance: string, buildId: string): string {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, "_");
  return `gatebox-${clean(instance)}-${clean(buildId)}`;
}

export interface ContainerParams {
  instance: string;
  buildId: string;
  itemId: string;
  job: ResolvedJob;
  /**
   * A host directory bind-mounted read-write at `job.workdir` (a local engine, see
   * bind-mount.ts); otherwise the workspace is copied in with the archive API.
   */
  workspaceMount?: string | undefined;
  /**
   * A host directory bind-mounted read-write at `job.artifacts.dir` (artifacts-dirs.ts); otherwise
   * the directory is made in the container with the archive API.
   */
  artifactsMount?: string | undefined;
}

export function buildLabels(p: Pick<ContainerParams, "instance" | "buildId" | "itemId">): Record<string, string> {
  return { [LABEL_BUILD]: p.buildId, [LABEL_ITEM]: p.itemId, [LABEL_INSTANCE]: p.instance };
}

/** The body of POST /containers/create for one build. */
export function toContainerOptions(p: ContainerParams): Docker.ContainerCreateOptions {
  const { job } = p;
  const hostConfig: Docker.HostConfig = {
    NetworkMode: job.network,
    Privileged: false,
    // No binds, no volumes, no docker socket; at most the build's own workspace and artifacts directory (below).
    Binds: [],
    CapDrop: ["ALL"],
    CapAdd: KEPT_CAPABILITIES,
    SecurityOpt: ["no-new-privileges"],
    PidsLimit: job.pids,
    // Output goes to the attach stream and our own log; "none" keeps the engine from storing a
    // second copy (a 100 MB build log would otherwise also fill the engine's disk).
    LogConfig: { Type: "none", Config: {} },
    Init: false,
  };
  if (job.memory !== undefined) {
    hostConfig.Memory = job.memory;
    hostConfig.MemorySwap = job.memory; // no swap beyond the limit: OOM rather than thrashing
  }
  const mounts: Docker.MountSettings[] = [];
  if (p.workspaceMount !== undefined) mounts.push(bindMount(p.workspaceMount, job.workdir));
  if (p.artifactsMount !== undefined && job.artifacts) mounts.push(bindMount(p.artifactsMount, job.artifacts.dir));
  if (mounts.length > 0) hostConfig.Mounts = mounts;
  if (job.cpus !== undefined) hostConfig.NanoCpus = Math.round(job.cpus * 1e9);
  const opts: Docker.ContainerCreateOptions = {
    name: containerName(p.instance, p.buildId),
    Image: job.image,
    Cmd: shellCommand(job.run, job.separateStderr),
    Entrypoint: [],
    // The job's variables and its secrets (a secret wins over a variable of the same name).
    Env: Object.entries(jobEnv(job)).map(([k, v]) => `${k}=${v}`),
    // Docker makes it (as root) when it is missing; the workspace goes to `workdir` all the same.
    WorkingDir: job.startDir,
    Labels: buildLabels(p),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: job.network === "none",
    HostConfig: hostConfig,
  };
  if (job.user !== undefined) opts.User = job.user;
  return opts;
}

/**
 * A directory of the build's own (its workspace, its artifacts directory) at `target`:
 * read-write, mounts below it not carried along, no propagation either way. A missing source is
 * an error (Mounts), never a directory the engine makes (as the old Binds syntax would). Links
 * in it resolve inside the container.
 */
function bindMount(source: string, target: string): Docker.MountSettings {
  const bind = { Propagation: "rprivate", NonRecursive: true } as unknown as Docker.MountSettings["BindOptions"];
  return { Type: "bind", Source: source, Target: target, ReadOnly: false, BindOptions: bind };
}

/** Label filter listing this instance's build containers (for orphan cleanup and reattach). */
export function instanceFilter(instance: string, buildId?: string): string {
  const labels = [`${LABEL_INSTANCE}=${instance}`];
  if (buildId !== undefined) labels.push(`${LABEL_BUILD}=${buildId}`);
  return JSON.stringify({ label: labels });
}
