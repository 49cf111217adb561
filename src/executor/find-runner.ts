import { InputError } from "../errors.ts";
import { DockerRunner } from "./docker/docker-runner.ts";
import type { EndpointAccess } from "./docker/endpoint.ts";
import { LocalRunner } from "./local/local-runner.ts";
import type { Runner } from "./runner.ts";

/**
 * One executor entry of the config, as the config room hands it over. Docker only: `tls` for a
 * tcp:// endpoint, `sshKey` and `sshHostKey` for an ssh:// one, `insecure` for plain tcp:// to
 * another host (docs/executor.md "Remote engines").
 */
export interface RunnerConfig extends EndpointAccess {
  /** Default "docker". "local" runs builds as subprocesses of this host and isolates nothing. */
  kind?: "docker" | "local";
  /** Docker endpoint (unix:///path, /path, tcp://HOST:PORT, ssh://USER@HOST[:PORT]). Default unix:///var/run/docker.sock. */
  endpoint?: string | undefined;
  /**
   * Where the runner keeps its builds' files on this host: the LocalRunner's workspaces, the
   * DockerRunner's artifacts directories of bind-mounted builds (docker/artifacts-dirs.ts).
   */
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
  if (kind === "docker") runner = new DockerRunner({ ...dockerAccess(config), instance, endpoint: config.endpoint, where, scratchDir: config.baseDir });
  else if (kind === "local") runner = new LocalRunner({ instance, baseDir: config.baseDir });
  else throw new InputError(`${where}.kind: expected docker or local, got ${JSON.stringify(kind)}`);
  await runner.ping();
  return runner;
}

function dockerAccess(config: RunnerConfig): EndpointAccess {
  return { tls: config.tls, sshKey: config.sshKey, sshHostKey: config.sshHostKey, insecure: config.insecure };
}
