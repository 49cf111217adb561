import type { Readable } from "node:stream";
import type { ArtifactsCopy } from "./artifacts.ts";
import type { ResolvedJob } from "./job.ts";
import type { EngineResources } from "./limits.ts";

export type { ArtifactFile, ArtifactsCopy } from "./artifacts.ts";
export type { EngineResources } from "./limits.ts";

/** Where a runner sends a build's output, as it is written. Called synchronously, in order. */
export interface RunOutput {
  /** Bytes the job wrote to stdout (or to both, when stderr is merged). */
  stdout(chunk: Uint8Array): void;
  /** Bytes the job wrote to stderr (only when the job keeps stderr apart). */
  stderr(chunk: Uint8Array): void;
  /** A line from gatebox itself: image pull progress, what the runner is doing. */
  info(line: string): void;
}

/** One attempt to run a job. */
export interface RunRequest {
  /** Unique per build; names the container and its `gatebox.build` label. */
  buildId: string;
  /** The queue item the build belongs to (`gatebox.item` label). */
  itemId: string;
  job: ResolvedJob;
  /**
   * The workspace as a tar stream, copied into `job.workdir` before the job starts. A factory,
   * because every attempt needs a fresh stream. Omitted: the job starts in an empty workdir.
   * `prefix`: a runner may ask for members named under the workdir's path (`work/…`) to extract
   * them at `/` (DockerRunner: a relative link leading out of the workdir is then no error); it
   * only does so when the stream says it honoured it (the merger's `WorkspaceSource.prefix`).
   */
  workspace?: (options?: { prefix?: string }) => Readable | Promise<Readable>;
}

/** How the job's process ended. Only returned when the process ended on its own or was killed. */
export interface RunExit {
  exitCode: number;
  /** The kernel killed it for exceeding its memory limit: the job's fault, not ours. */
  oomKilled: boolean;
}

/** What `Run.copyArtifacts` copies, and where to. */
export interface ArtifactsRequest {
  /** The directory in the container (`job.artifacts.dir`). */
  dir: string;
  /** The host directory the files go to; emptied first. */
  into: string;
  /** Bytes in all; files past it are dropped (counted). */
  limit: number;
  /** A line for the build's console (skipped entries, a copy that broke off). */
  note: (line: string) => void;
  /** Aborts the copy (what was copied so far is kept). */
  signal?: AbortSignal;
}

/** A started run. */
export interface Run {
  readonly buildId: string;
  /** The engine's own id of what runs (the container id; the process id for LocalRunner). */
  readonly runId: string;
  /** When it really began (ms since epoch), when the runner knows: after a reattach, the container's creation. */
  readonly startedAt?: number;
  /**
   * Resolves once the process has exited AND all its output has been delivered to the RunOutput.
   * Rejects with InfraError when the engine went away or the run died for a reason not its own.
   * May be called more than once; every call gets the same answer.
   */
  wait(): Promise<RunExit>;
  /** SIGKILLs the process; wait() then settles. Idempotent; harmless after exit. */
  kill(): Promise<void>;
  /**
   * After the process ended (before `destroy`): copies the regular files of `req.dir` out, by
   * the rules of artifacts.ts (no links followed, nothing outside the directory, at most
   * `req.limit` bytes). A directory that is not there is no files. Throws InfraError only when
   * the engine could not be asked at all.
   */
  copyArtifacts(req: ArtifactsRequest): Promise<ArtifactsCopy>;
}

/**
 * A place builds run: a Docker engine (DockerRunner) or this host (LocalRunner).
 *
 * Lifecycle of one attempt: `start` (prepare: image, container, workspace, artifacts directory;
 * attach; start) → output streams to the RunOutput while it runs → `wait` (or `kill`) →
 * `copyArtifacts` when the job has some → `destroy`. The caller owns timeouts
 * and retries (see Executor); a runner only reports what happened, with errors typed by whose
 * fault they are: a non-zero exit is a RunExit, never an error; anything the engine or host did
 * wrong is an InfraError.
 *
 * Rules:
 * - Distinct builds may be started, waited on and destroyed concurrently; one buildId runs at
 *   most once at a time (start the next attempt only after destroying the previous one).
 * - `destroy(buildId)` kills and removes everything of that build (container, temp dirs). It is
 *   idempotent, safe after a failed or half-done `start`, safe for an unknown id, and fast (well
 *   under a second), so cancelling is just `destroy`. It throws only if the engine cannot be
 *   reached, and then the next `cleanupOrphans` will get it.
 * - `start` that throws leaves at most things `destroy` removes; the caller always calls
 *   `destroy` in a finally.
 * - `cleanupOrphans` and `reattach` exist because the process may crash while builds run: at
 *   start, the caller either continues a build still running (`reattach`) or removes what is
 *   left of it (`cleanupOrphans`, for every build `keep` says no to).
 */
export interface Runner {
  readonly kind: "docker" | "local";
  /** A human name of the engine or host, for logs and errors ("unix:///var/run/docker.sock"). */
  readonly endpoint: string;
  /** Resolves when the engine answers; throws InfraError naming the endpoint otherwise. */
  ping(): Promise<void>;
  /**
   * What the engine has in all, so the Executor can give a job without limits its share; null
   * when the runner isolates nothing (LocalRunner). Throws InfraError when the engine cannot say.
   */
  resources(): Promise<EngineResources | null>;
  start(req: RunRequest, output: RunOutput): Promise<Run>;
  destroy(buildId: string): Promise<void>;
  /** Removes this instance's build containers whose buildId `keep` rejects; returns those buildIds. */
  cleanupOrphans(keep: (buildId: string) => boolean): Promise<string[]>;
  /** Continues streaming and waiting on a build still running; null when there is none. */
  reattach(buildId: string, output: RunOutput): Promise<Run | null>;
}
