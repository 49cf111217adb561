/**
 * Errors typed by whose fault they are (DESIGN.md): the user's (bad config, bad CLI or API input),
 * ours (infrastructure: engine down, Gerrit unreachable), or the change's (job failure, merge conflict).
 * The CLI's top-level catch prints an expected error's message and exits with its code; anything else
 * is a bug.
 */
export class GateboxError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line usage: unknown flag, missing argument. Exit status 2. */
export class UsageError extends GateboxError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Bad user input (config file, scenario file, API body); the message names file:line and field. */
export class InputError extends GateboxError {
  constructor(
    message: string,
    readonly problems: readonly string[] = [message],
    exitCode = 1,
  ) {
    super(message, exitCode);
  }
}

/** The infrastructure's fault: retried, never voted on. */
export class InfraError extends GateboxError {}
