/**
 * Errors of the Gerrit connection, typed by whose fault they are. Messages name the method and path
 * (never the credentials) and carry Gerrit's own text when it sent one.
 */
import { GateboxError, InfraError } from "../../errors.ts";

/** Anything that went wrong talking to Gerrit: ours (infrastructure), retried by the caller, never voted on. */
export class GerritError extends InfraError {
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, 1, options);
  }
}

/** Gerrit answered with an error status (4xx, or 5xx/429 after the retries ran out). */
export class GerritHttpError extends GerritError {
  constructor(
    method: string,
    path: string,
    readonly status: number,
    /** Gerrit's plain-text error body, trimmed. */
    readonly body: string,
    hint = "",
  ) {
    super(`Gerrit answered ${status} to ${method} ${path}${body ? `: ${body}` : ""}${hint}`, method, path);
  }
}

/** 401: the username or HTTP password is wrong (the user's configuration). */
export class GerritAuthError extends GerritHttpError {
  constructor(method: string, path: string, body: string) {
    super(method, path, 401, body, " (check the Gerrit username and HTTP password in the connection config)");
  }
}

/** No answer: network error or timeout, after the retries ran out. */
export class GerritUnreachableError extends GerritError {}

/** Gerrit answered 2xx with a body that is not the JSON the endpoint promises. */
export class GerritResponseError extends GerritError {}

/** The answer was larger than the client's cap; the rest of it was not read. Not retried. */
export class GerritResponseTooLargeError extends GerritResponseError {
  constructor(
    method: string,
    path: string,
    readonly limitBytes: number,
  ) {
    super(
      `Gerrit's answer to ${method} ${path} is larger than the ${formatBytes(limitBytes)} limit (maxResponseBytes); gatebox stopped reading it`,
      method,
      path,
    );
  }
}

/**
 * Gerrit (or a proxy in front of it) answered with a redirect (3xx). gatebox follows none: the
 * credentials must only ever go to the configured address. Not retried.
 */
export class GerritRedirectError extends GerritError {
  constructor(
    method: string,
    path: string,
    readonly status: number,
    /** Where it pointed (absolute, without any user:password), or "" when there was no Location. */
    readonly location: string,
  ) {
    const where = location ? `to ${location}` : "without a Location";
    super(
      `Gerrit answered ${status} to ${method} ${path}, a redirect ${where}; gatebox does not follow redirects (if that address is right, configure it as the connection's url)`,
      method,
      path,
    );
  }
}

/** `33554432` → `32 MiB`; sizes that are not whole MiB keep their byte count. */
export function formatBytes(n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

/**
 * Gerrit refused to submit (409): the change's fault (missing votes, conflict, closed). Carries Gerrit's
 * text for the user; gatebox never parses it.
 */
export class SubmitRefused extends GateboxError {
  constructor(
    readonly change: number,
    readonly gerritText: string,
  ) {
    super(`Gerrit refused to submit change ${change}: ${gerritText}`);
  }
}
