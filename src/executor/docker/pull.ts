import type Docker from "dockerode";
import { InfraError } from "../../errors.ts";
import type { RunOutput } from "../runner.ts";
import { daemonMessage } from "./errors.ts";

interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Pulls an image, writing progress to the build's console: one line per layer and status
 * change (not one per progress tick, which would be thousands of lines). A failure, including no
 * registry being reachable, is an InfraError naming the image and the engine.
 */
export async function pullImage(
  docker: Docker,
  image: string,
  endpoint: string,
  timeoutMs: number,
  output: RunOutput,
): Promise<void> {
  output.info(`gatebox: image ${image} is not on ${endpoint}; pulling it`);
  const fail = (why: string, cause?: unknown) =>
    new InfraError(`docker: image ${image} is not present on ${endpoint} and could not be pulled: ${why}`, 1, { cause });
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(image)) as NodeJS.ReadableStream;
  } catch (err) {
    output.info(`gatebox: pull failed: ${daemonMessage(err)}`);
    throw fail(daemonMessage(err), err);
  }
  const last = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      reject(fail(`no result after ${Math.round(timeoutMs / 1000)}s`));
    }, timeoutMs);
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: PullEvent[]) => {
        clearTimeout(timer);
        const bad = err ? daemonMessage(err) : events.find((e) => e.error)?.error;
        if (bad) {
          output.info(`gatebox: pull failed: ${bad}`);
          reject(fail(bad, err));
        } else {
          output.info(`gatebox: pulled ${image}`);
          resolve();
        }
      },
      (ev: PullEvent) => {
        if (ev.error || !ev.status) return;
        const key = ev.id ?? "";
        if (last.get(key) === ev.status) return;
        last.set(key, ev.status);
        output.info(`gatebox: pull: ${ev.id ? `${ev.id}: ` : ""}${ev.status}`);
      },
    );
  });
}
