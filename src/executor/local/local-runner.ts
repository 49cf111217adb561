import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { InfraError } from "../../errors.ts";
import type { ArtifactsCopy } from "../artifacts.ts";
import { shellCommand } from "../job.ts";
import type { ArtifactsRequest, Run, RunExit, RunOutput, RunRequest, Runner } from "../runner.ts";
import { copyLocalArtifacts, LocalPaths } from "./local-paths.ts";

export interface LocalRunnerOptions {
  instance: string;
  /** Where each build's workspace directory is made. Default: $TMPDIR/gatebox-local. */
  baseDir?: string;
}

/**
 * Runs each build as a subprocess of this host, in a fresh workspace directory, for hosts with no
 * container engine; only when the config asks for it, since it isolates nothing: the job runs as
 * this user, sees the network and the host's files. `image`, `network`, `user` and the limits
 * other than `timeout` are ignored. Container paths are mapped onto the build's directory (see
 * local-paths.ts). Contract: see Runner. `reattach` always returns null: the output pipes of a
 * process die with the process that spawned it.
 */
export class LocalRunner implements Runner {
  readonly kind = "local";
  readonly endpoint: string;
  private readonly baseDir: string;
  private readonly instance: string;
  private readonly procs = new Map<string, ChildProcess>();

  constructor(opts: LocalRunnerOptions) {
    this.instance = opts.instance;
    this.baseDir = opts.baseDir ?? join(tmpdir(), "gatebox-local");
    this.endpoint = `local:${this.baseDir}`;
  }

  async ping(): Promise<void> {
    try {
      mkdirSync(this.baseDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new InfraError(`local: cannot create ${this.baseDir}: ${(err as Error).message}`, 1, { cause: err });
    }
  }

  /** Null: nothing is isolated, so there is no share of the host to give a job. */
  async resources(): Promise<null> {
    return null;
  }

  async start(req: RunRequest, output: RunOutput): Promise<Run> {
    await this.ping();
    const dir = this.dirOf(req.buildId);
    const paths = new LocalPaths(dir, req.job);
    removeBuildDirs(dir);
    writeFileSync(`${dir}.json`, JSON.stringify({ buildId: req.buildId, pid: null }), { mode: 0o600 });
    const cwd = paths.map(req.job.startDir);
    try {
      mkdirSync(dir, { recursive: true });
      if (req.workspace) await untar(await req.workspace(), dir);
      mkdirSync(cwd, { recursive: true });
      if (req.job.artifacts) mkdirSync(paths.map(req.job.artifacts.dir), { recursive: true });
    } catch (err) {
      if (err instanceof InfraError) throw err;
      throw new InfraError(`local: cannot prepare ${dir}: ${(err as Error).message}`, 1, { cause: err });
    }
    const [sh, ...args] = shellCommand(req.job.run, req.job.separateStderr);
    const child = spawn(sh!, args, {
      cwd,
      // A small, predictable environment: the job's own variables and secrets, not gatebox's.
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...paths.env(req.job) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so kill reaches everything it started
    });
    this.procs.set(req.buildId, child);
    const run = new LocalRun(req.buildId, child, output, paths);
    try {
      await run.spawned;
    } catch (err) {
      throw new InfraError(`local: cannot run /bin/sh: ${(err as Error).message}`, 1, { cause: err });
    }
    writeFileSync(`${dir}.json`, JSON.stringify({ buildId: req.buildId, pid: child.pid }), { mode: 0o600 });
    return run;
  }

  async destroy(buildId: string): Promise<void> {
    const child = this.procs.get(buildId);
    this.procs.delete(buildId);
    if (child) killGroup(child.pid);
    const dir = this.dirOf(buildId);
    removeBuildDirs(dir);
    rmSync(`${dir}.json`, { force: true });
  }

  async cleanupOrphans(keep: (buildId: string) => boolean): Promise<string[]> {
    const removed: string[] = [];
    let names: string[];
    try {
      names = readdirSync(this.baseDir);
    } catch {
      return removed;
    }
    const prefix = `${safe(this.instance)}-`;
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith(".json")) continue;
      let meta: { buildId?: string; pid?: number | null };
      try {
        meta = JSON.parse(readFileSync(join(this.baseDir, name), "utf8"));
      } catch {
        continue;
      }
      if (typeof meta.buildId !== "string" || keep(meta.buildId)) continue;
      if (typeof meta.pid === "number") killGroup(meta.pid);
      await this.destroy(meta.buildId);
      removed.push(meta.buildId);
    }
    return removed;
  }

  async reattach(): Promise<Run | null> {
    return null;
  }

  private dirOf(buildId: string): string {
    return join(this.baseDir, `${safe(this.instance)}-${safe(buildId)}`);
  }
}

class LocalRun implements Run {
  readonly spawned: Promise<void>;
  private readonly exit: Promise<RunExit>;

  get runId(): string {
    return String(this.child.pid ?? "");
  }

  constructor(
    readonly buildId: string,
    private readonly child: ChildProcess,
    output: RunOutput,
    private readonly paths: LocalPaths,
  ) {
    child.stdout!.on("data", (d: Buffer) => output.stdout(d));
    child.stderr!.on("data", (d: Buffer) => output.stderr(d));
    this.spawned = new Promise((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    this.spawned.catch(() => {});
    // "close" fires after the exit and after both pipes ended: all output delivered.
    this.exit = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        resolve({ exitCode: code ?? 128 + signalNumber(signal), oomKilled: false });
      });
    });
  }

  wait(): Promise<RunExit> {
    return this.exit;
  }

  async kill(): Promise<void> {
    killGroup(this.child.pid);
  }

  copyArtifacts(req: ArtifactsRequest): Promise<ArtifactsCopy> {
    return copyLocalArtifacts(this.paths.map(req.dir), req);
  }
}

/** The build's directory and the one its paths outside the workdir are mapped to. */
function removeBuildDirs(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.root`, { recursive: true, force: true });
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : signal === "SIGINT" ? 2 : 0;
}

function safe(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, "_");
}

async function untar(tar: NodeJS.ReadableStream, dir: string): Promise<void> {
  const child = spawn("tar", ["-x", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code ?? 1));
  });
  try {
    await pipeline(tar, child.stdin!);
  } catch (err) {
    child.kill("SIGKILL");
    throw new InfraError(`local: copying the workspace failed: ${(err as Error).message}`, 1, { cause: err });
  }
  const code = await exited;
  if (code !== 0) throw new InfraError(`local: tar -x into ${dir} failed: ${stderr.trim()}`);
}
