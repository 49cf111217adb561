import { InfraError } from "../errors.ts";

/**
 * How the merger runs the real git binary: one spawn per command, with a minimal, hermetic
 * environment. The user's global and system git config are ignored (a stray `core.hooksPath` or
 * `url.insteadOf` must not change what we test), and extra variables (credentials as
 * `GIT_CONFIG_*`, commit identities) are passed per command so nothing secret is ever written to
 * disk or put on a command line. Any failure is an InfraError whose message is redacted of URL
 * credentials.
 *
 * Spawned directly (Bun.spawn), not through simple-git: simple-git waits 50 ms after every
 * command that prints nothing (its completion detection), and a merge runs four such commands
 * (fetch, for-each-ref, rev-list, update-ref): 200 of the 250 ms between an enqueue and its
 * build's start (docs/performance.md, "Builds starting"). It could not feed stdin either.
 */
export interface GitOptions {
  /** Variables added to the hermetic environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the command's stdin (else stdin is closed). */
  readonly stdin?: string;
  /** Exit status 1 is an answer, not a failure (merge-tree's "conflicts"). */
  readonly lenient?: boolean;
}

/** Runs `git <args>` in `cwd` and returns its stdout; InfraError on a failure or a missing `cwd`. */
export async function runGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  let child: Bun.Subprocess<"ignore" | Uint8Array, "pipe", "pipe">;
  try {
    child = Bun.spawn(["git", ...args], {
      cwd,
      stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
      stdout: "pipe",
      stderr: "pipe",
      env: { ...baseEnv(), ...options.env },
    });
  } catch (error) {
    // A missing directory (a project not in the cache) fails the spawn itself.
    throw new InfraError(`cannot run git in ${cwd}: ${(error as Error).message}`, 1, { cause: error });
  }
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code === 0 || (code === 1 && options.lenient)) return out;
  throw new InfraError(`git ${describe(args)} failed in ${cwd}: ${redact(err.trim()) || `exit status ${code}`}`);
}

/** `runGit` for one repository directory. */
export class GitRunner {
  constructor(readonly dir: string) {}

  /** Runs `git <args>` and returns stdout; throws InfraError on any non-zero exit. */
  run(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> {
    return runGit(this.dir, args, { env });
  }

  /** Runs a command whose exit status 1 carries meaning (merge-tree's "conflicts"): stdout either way. */
  runLenient(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> {
    return runGit(this.dir, args, { env, lenient: true });
  }
}

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

/** The subcommand and its first arguments, options skipped where they lead (`-c x=y update-ref`). */
function describe(args: readonly string[]): string {
  const at = args.findIndex((arg, i) => !arg.startsWith("-") && args[i - 1] !== "-c");
  return args.slice(Math.max(at, 0), Math.max(at, 0) + 3).join(" ");
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
