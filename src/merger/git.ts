import { type SimpleGit, simpleGit } from "simple-git";
import { InfraError } from "../errors.ts";

/**
 * A thin runner over the real git binary (through simple-git) for one repository directory.
 *
 * Every command runs with a minimal, hermetic environment: the user's global and system git
 * config are ignored (a stray `core.hooksPath` or `url.insteadOf` must not change what we test),
 * and extra variables (credentials as `GIT_CONFIG_*`, commit identities, `GIT_INDEX_FILE`) are
 * passed per command so nothing secret is ever written to disk or put on a command line.
 * Any non-zero exit is an InfraError whose message is redacted of URL credentials.
 */
export class GitRunner {
  constructor(readonly dir: string) {}

  /** Runs `git <args>` and returns stdout; throws InfraError on any non-zero exit. */
  async run(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> {
    try {
      return await client(this.dir, env, true).raw([...args]);
    } catch (error) {
      throw new InfraError(`git ${describe(args)} failed in ${this.dir}: ${redact(messageOf(error))}`, 1, {
        cause: error,
      });
    }
  }

  /**
   * Runs a command whose exit status 1 carries meaning (merge-tree's "conflicts") and returns its
   * stdout either way; only failures that print to stderr (exit 128 and the like) throw.
   */
  async runLenient(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> {
    try {
      return await client(this.dir, env, false).raw([...args]);
    } catch (error) {
      throw new InfraError(`git ${describe(args)} failed in ${this.dir}: ${redact(messageOf(error))}`, 1, {
        cause: error,
      });
    }
  }
}

/** Every `GIT_*` variable this module passes; simple-git drops or refuses any other. */
const ALLOWED_ENV = [
  "GIT_CONFIG_NOSYSTEM",
  "GIT_CONFIG_GLOBAL",
  "GIT_CONFIG_COUNT",
  "GIT_CONFIG_KEY_0",
  "GIT_CONFIG_VALUE_0",
  "GIT_CONFIG_KEY_1",
  "GIT_CONFIG_VALUE_1",
  "GIT_INDEX_FILE",
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_AUTHOR_DATE",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
  "GIT_COMMITTER_DATE",
  "GIT_TERMINAL_PROMPT",
];

/** The environment every git command gets: PATH, a neutral locale, and no ambient config. */
export function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
  };
}

function client(dir: string, env: Readonly<Record<string, string>>, strict: boolean): SimpleGit {
  const git = simpleGit({
    baseDir: dir,
    allowEnvironment: ALLOWED_ENV,
    // Both guarded variables carry only what we set: GIT_CONFIG_COUNT the credentials header,
    // GIT_CONFIG_GLOBAL=/dev/null (no ambient config).
    unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeConfigPaths: true },
    errors: strict ? strictErrors : undefined,
  });
  return git.env({ ...baseEnv(), ...env });
}

/** simple-git only fails when stderr is non-empty; a silent non-zero exit is a failure too. */
function strictErrors(
  error: Buffer | Error | undefined,
  result: { exitCode: number; stdErr: Buffer[]; stdOut: Buffer[] },
): Buffer | Error | undefined {
  if (error) return error;
  if (result.exitCode === 0) return undefined;
  const stderr = Buffer.concat(result.stdErr).toString("utf8").trim();
  return new Error(stderr || `exit status ${result.exitCode}`);
}

function describe(args: readonly string[]): string {
  return args.slice(0, 3).join(" ");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.trim() : String(error);
}

/** Removes `user:password@` from any URL in a message so credentials never reach a log. */
export function redact(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@");
}

/** The GIT_CONFIG_* variables that send an Authorization header with every HTTP request. */
export function basicAuthEnv(username: string, password: string): Record<string, string> {
  const token = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  return {
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${token}`,
    // git would treat a redirect's target as the remote and send it the header: refuse redirects.
    GIT_CONFIG_KEY_1: "http.followRedirects",
    GIT_CONFIG_VALUE_1: "false",
  };
}
