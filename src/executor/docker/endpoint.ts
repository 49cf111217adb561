import type Docker from "dockerode";
import { InputError } from "../../errors.ts";

export const DEFAULT_DOCKER_ENDPOINT = "unix:///var/run/docker.sock";

/**
 * Turns an endpoint as a user writes it into dockerode options: `unix:///path`, a bare `/path`
 * (a socket), or `tcp://HOST:PORT` (plain HTTP; TLS is not supported yet). `where` names the
 * config field for the error message.
 */
export function parseDockerEndpoint(endpoint: string, where = "executor.endpoint"): Docker.DockerOptions {
  if (endpoint.startsWith("/")) return { socketPath: endpoint };
  if (endpoint.startsWith("unix://")) {
    const path = endpoint.slice("unix://".length);
    if (!path.startsWith("/")) throw new InputError(`${where}: unix socket path must be absolute: ${endpoint}`);
    return { socketPath: path };
  }
  const m = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(endpoint);
  if (m) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new InputError(`${where}: port out of range: ${endpoint}`);
    return { host: m[1]!.replace(/^\[|\]$/g, ""), port, protocol: "http" };
  }
  throw new InputError(
    `${where}: expected unix:///path/to/docker.sock or tcp://HOST:PORT, got ${JSON.stringify(endpoint)}`,
  );
}
