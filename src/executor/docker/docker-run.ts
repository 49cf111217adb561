import type Docker from "dockerode";
import { InfraError } from "../../errors.ts";
import type { Run, RunExit, RunOutput } from "../runner.ts";
import { DockerDemuxer } from "./demux.ts";
import { daemonMessage, isNotFound, isNotRunning, toInfraError } from "./errors.ts";

/** How long to wait for the attach stream to drain after the container exited. */
const DRAIN_MS = 5_000;

/**
 * One running container: its attach stream demultiplexed into the RunOutput, and its exit.
 * Created by DockerRunner after the container started (or on reattach).
 */
export class DockerRun implements Run {
  private readonly exit: Promise<RunExit>;
  private streamEnded: Promise<void>;

  constructor(
    readonly buildId: string,
    private readonly container: Docker.Container,
    private readonly endpoint: string,
    stream: NodeJS.ReadableStream | null,
    output: RunOutput,
  ) {
    this.streamEnded = stream ? pipeAttach(stream, output) : Promise.resolve();
    this.exit = this.waitForExit(output);
    // The caller may never call wait() (it destroys instead); don't let that be an unhandled rejection.
    this.exit.catch(() => {});
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

  private async waitForExit(output: RunOutput): Promise<RunExit> {
    let status: { StatusCode: number; Error?: { Message?: string } | null };
    try {
      status = await this.container.wait();
    } catch (err) {
      throw toInfraError("wait for container", this.endpoint, err);
    }
    const msg = status.Error?.Message;
    if (msg) throw new InfraError(`docker: container ended abnormally: ${msg}`);
    let drained = false;
    await Promise.race([
      this.streamEnded.then(() => {
        drained = true;
      }),
      new Promise((r) => setTimeout(r, DRAIN_MS).unref?.()),
    ]);
    if (!drained) output.info(`gatebox: output stream still open ${DRAIN_MS / 1000}s after exit; the rest is lost`);
    let oomKilled = false;
    try {
      const info = await this.container.inspect();
      oomKilled = info.State.OOMKilled === true;
    } catch (err) {
      // Already removed by a concurrent destroy (cancel): the exit code is all there is.
      if (!isNotFound(err)) throw toInfraError("inspect container", this.endpoint, err);
    }
    return { exitCode: status.StatusCode, oomKilled };
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
    stream.on("data", (d: Buffer | string) => demux.push(typeof d === "string" ? Buffer.from(d) : d));
    stream.on("end", () => finish());
    stream.on("close", () => finish());
    stream.on("error", (e) => finish(e));
  });
}
