/**
 * Typed checks on what the Docker engine (through dockerode / docker-modem) throws. docker-modem
 * errors carry `statusCode` and the daemon's `json.message`; socket errors carry `code`.
 */
import { InfraError } from "../../errors.ts";

interface ModemError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
}

function asModem(err: unknown): ModemError {
  return typeof err === "object" && err !== null ? (err as ModemError) : {};
}

/** The daemon's own words when there are any, else the error's message. */
export function daemonMessage(err: unknown): string {
  const e = asModem(err);
  const json = e.json?.message;
  if (typeof json === "string" && json !== "") return json.trim();
  if (typeof e.message === "string") return e.message.replace(/^\(HTTP code \d+\)\s*/, "").trim();
  return String(err);
}

export function statusCode(err: unknown): number | undefined {
  return asModem(err).statusCode;
}

/** 404 on a container or image. */
export function isNotFound(err: unknown): boolean {
  return statusCode(err) === 404;
}

/** 404 "No such image" from container create: the image must be pulled. */
export function isNoSuchImage(err: unknown): boolean {
  return isNotFound(err) && /no such image/i.test(daemonMessage(err));
}

/** 409 from create: a container with that name already exists (left by an earlier attempt). */
export function isNameConflict(err: unknown): boolean {
  return statusCode(err) === 409 && /already in use|conflict/i.test(daemonMessage(err));
}

/** 304/409 from kill or stop: the container was not running. Harmless for kill. */
export function isNotRunning(err: unknown): boolean {
  const s = statusCode(err);
  return s === 304 || (s === 409 && /is not running/i.test(daemonMessage(err)));
}

/** 409 from remove: removal already in progress. Harmless for destroy. */
export function isRemovalInProgress(err: unknown): boolean {
  return statusCode(err) === 409 && /removal .* in progress|already in progress/i.test(daemonMessage(err));
}

/** 400 from create: the engine has no such path for a bind mount (it runs elsewhere, or in another file system). */
export function isBindSourceMissing(err: unknown): boolean {
  return statusCode(err) === 400 && /bind source path does not exist/i.test(daemonMessage(err));
}

/** The engine could not be reached at all, or the connection dropped mid-request. */
export function isUnreachable(err: unknown): boolean {
  const code = asModem(err).code;
  if (code && /^(ECONNREFUSED|ENOENT|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ECONNABORTED|EACCES|ConnectionRefused|ConnectionClosed)$/.test(code)) {
    return true;
  }
  return /socket hang up|connection (refused|reset|closed)|ECONNREFUSED|ECONNRESET/i.test(daemonMessage(err));
}

/** Wraps any engine error as ours (InfraError), with a message that says what we were doing. */
export function toInfraError(doing: string, endpoint: string, err: unknown): InfraError {
  if (err instanceof InfraError) return err;
  const why = isUnreachable(err) ? `engine at ${endpoint} unreachable: ${daemonMessage(err)}` : daemonMessage(err);
  return new InfraError(`docker: ${doing}: ${why}`, 1, { cause: err });
}
