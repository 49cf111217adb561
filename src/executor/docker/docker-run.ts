import type Docker from "dockerode";
import { InfraError } from "../../errors.ts";
import type { ArtifactsCopy } from "../artifacts.ts";
import type { ArtifactsRequest, Run, RunExit, RunOutput } from "../runner.ts";
import { copyArtifactsOut } from "./archive.ts";
import { DockerDemuxer } from "./demux.ts";
import { daemonMessage, isNotFound, isNotRunning, toInfraError } from "./errors.ts";

/** How long to wait for the attach stream to drain after the container exited. */
const DRAIN_MS = 5_000;
/** How often to check on the container while it runs with its output stream open. */
const HEARTBEAT_MS = 5_000;
/** ... and once the output stream closed, when an exit (or a dead engine) is expected soon. */
const HEARTBEAT_AFTER_STREAM_MS = 250;

type WaitStatus = { StatusCode: number; Error?: { Message?: string } | null };

/**
 * One running container: its attach stream demultiplexed into the RunOutput, and its exit.
 * Created by DockerRunner after the container started (or on reattach).
 *
 * Why a heartbeat besides the wait call: when the connection to the engine drops, the pending
 * wait request is not always failed by the HTTP client (Bun leaves it hanging), and a build with
 * no output would then run into its timeout and be blamed on the change. Inspecting the container
 * now and then turns a dead engine into an InfraError within seconds.
 */
export class DockerRun implements Run {
  private readonly exit: Promise<RunExit>;
  private readonly streamEnded: Promise<void>;
  private streamDone = false;

  constructor(
    readonly buildId: string,
    private readonly container: Docker.Container,
    private readonly endpoint: string,
    stream: NodeJS.ReadableStream | null,
    output: RunOutput,
    readonly startedAt?: number,
  ) {
    this.streamEnded = (stream ? pipeAttach(stream, output) : Promise.resolve()).then(() => {
      this.streamDone = true;
    });
    this.exit = this.waitForExit(output);
    // The caller may never call wait() (it destroys instead); don't let that be an unhandled rejection.
    this.exit.catch(() => {});
  }

  get runId(): string {
    return this.container.id;
  }

  wait(): Promise<RunExit> {
    return this.exit;
  }

  async kill(): Promise<void> {
    try {
      await this.container.kill({ signal: "SIGKILL" });
    } catch (err) {
      if (isNotFound(err) || isNotRunning(err)) return;
      throw toInfraError("kill container", this.endpoint, err);
    }
  }

  copyArtifacts(req: ArtifactsRequest): Promise<ArtifactsCopy> {
    return copyArtifactsOut(this.container, req, this.endpoint);
  }

  private async waitForExit(output: RunOutput): Promise<RunExit> {
    const status = await this.exitStatus();
    if (status.Error?.Message) throw new InfraError(`docker: container ended abnormally: ${status.Error.Message}`);
    let drained = false;
    await Promise.race([
      this.streamEnded.then(() => {
        drained = true;
      }),
      new Promise((r) => setTimeout(r, DRAIN_MS)),
    ]);
    if (!drained) output.info(`gatebox: output stream still open ${DRAIN_MS / 1000}s after exit; the rest is lost`);
    let oomKilled = false;
    try {
      const info = await this.container.inspect();
      oomKilled = info.State.OOMKilled === true;
    } catch (err) {
      // Already removed by a concurrent destroy (cancel, timeout): the exit code is all there is.
      if (!isNotFound(err)) throw toInfraError("inspect container", this.endpoint, err);
    }
    return { exitCode: status.StatusCode, oomKilled };
  }

  /** The first of: the wait call's answer, or the heartbeat's finding (an exit or a dead engine). */
  private exitStatus(): Promise<WaitStatus> {
    return new Promise<WaitStatus>((resolve, reject) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Aborted once settled, so a wait request left hanging by a dead connection is let go.
      const waitAbort = new AbortController();
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        waitAbort.abort();
        fn();
      };
      this.container.wait({ abortSignal: waitAbort.signal }).then(
        (s: WaitStatus) => settle(() => resolve(s)),
        (err: unknown) => settle(() => reject(toInfraError("wait for container", this.endpoint, err))),
      );
      const beat = async () => {
        if (settled) return;
        try {
          const info = await this.container.inspect();
          if (!info.State.Running && !info.State.Restarting && info.State.Status !== "created") {
            settle(() => resolve({ StatusCode: info.State.ExitCode, Error: info.State.Error ? { Message: info.State.Error } : null }));
          }
        } catch (err) {
          const why = isNotFound(err) ? new InfraError("docker: the container disappeared while running") : toInfraError("check on container", this.endpoint, err);
          settle(() => reject(why));
        }
        if (!settled) timer = setTimeout(beat, this.streamDone ? HEARTBEAT_AFTER_STREAM_MS : HEARTBEAT_MS);
      };
      timer = setTimeout(beat, HEARTBEAT_MS);
      // Once the output stream closes, the exit (or the engine's death) is near: check sooner.
      void this.streamEnded.then(() => {
        if (settled) return;
        clearTimeout(timer);
        timer = setTimeout(beat, HEARTBEAT_AFTER_STREAM_MS);
      });
    });
  }
}

/** Demultiplexes the attach stream into the output; resolves when it ends or breaks. */
function pipeAttach(stream: NodeJS.ReadableStream, output: RunOutput): Promise<void> {
  const demux = new DockerDemuxer((which, chunk) => (which === "stderr" ? output.stderr(chunk) : output.stdout(chunk)));
  return new Promise((resolve) => {
    let done = false;
    const finish = (why?: unknown) => {
      if (done) return;
      done = true;
      if (why !== undefined) output.info(`gatebox: output stream broke: ${daemonMessage(why)}`);
      resolve();
    };
    let sinceGc = 0;
    stream.on("data", (d: Buffer | string) => {
      const buf = typeof d === "string" ? Buffer.from(d) : d;
      demux.push(buf);
      // Bun's collector is lazy about the short-lived chunk buffers a fast job produces: measured
      // RSS grew ~120 MiB (plateauing) under 100 MiB of output; a full collection every 16 MiB
      // holds it to ~80 MiB at some throughput cost (test/integration/executor/huge-output.test.ts).
      sinceGc += buf.length;
      if (sinceGc > 16 * 1024 * 1024) {
        sinceGc = 0;
        globalThis.Bun?.gc(true);
      }
    });
    stream.on("end", () => finish());
    stream.on("close", () => finish());
    stream.on("error", (e) => finish(e));
  });
}
