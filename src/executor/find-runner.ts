import { InputError } from "../errors.ts";
import { DockerRunner } from "./docker/docker-runner.ts";
import { LocalRunner } from "./local/local-runner.ts";
import type { Runner } from "./runner.ts";

/** One executor entry of the config, as the config room hands it over. */
export interface RunnerConfig {
  /** Default "docker". "local" runs builds as subprocesses of this host and isolates nothing. */
  kind?: "docker" | "local";
  /** Docker endpoint (unix:///path, /path, tcp://HOST:PORT). Default unix:///var/run/docker.sock. */
  endpoint?: string;
  /** LocalRunner only: where workspaces are made. */
  baseDir?: string;
}

/**
 * Picks and checks the runner the config asks for (Woodpecker's FindBackend). Docker is the
 * default; an engine that does not answer is an InfraError naming the endpoint, never a silent
 * fall-back to running builds on the host.
 */
export async function findRunner(config: RunnerConfig, instance: string, where = "executor"): Promise<Runner> {
  const kind = config.kind ?? "docker";
  let runner: Runner;
  if (kind === "docker") runner = new DockerRunner({ instance, endpoint: config.endpoint });
  else if (kind === "local") runner = new LocalRunner({ instance, baseDir: config.baseDir });
  else throw new InputError(`${where}.kind: expected docker or local, got ${JSON.stringify(kind)}`);
  await runner.ping();
  return runner;
}
