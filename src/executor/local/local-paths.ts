/**
 * How LocalRunner maps a job's container paths onto this host: the workdir is the build's
 * directory, so a path under it (startDir, the artifacts directory, an env value naming one) is
 * the same relative path under the build dir. Any other absolute path of the job (an artifacts
 * directory such as /artifacts) is put under a fresh `<build dir>.root` beside it, never at that
 * path on the host.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { type ArtifactsCopy, extractArtifacts } from "../artifacts.ts";
import { jobEnv, type ResolvedJob } from "../job.ts";
import type { ArtifactsRequest } from "../runner.ts";

export class LocalPaths {
  constructor(
    /** The build's directory: the job's workdir. */
    readonly buildDir: string,
    private readonly job: Pick<ResolvedJob, "workdir" | "artifacts">,
  ) {}

  /** Where the job's paths outside its workdir live. */
  get rootDir(): string {
    return `${this.buildDir}.root`;
  }

  /** The host path of an absolute path of the job. */
  map(path: string): string {
    const rel = below(path, this.job.workdir);
    if (rel !== null) return rel === "" ? this.buildDir : join(this.buildDir, rel);
    return join(this.rootDir, posix.normalize(path));
  }

  /**
   * The job's environment with the values that name a path under its workdir or artifacts
   * directory mapped likewise (so `cd "$SRC_DIR"` works); secrets are passed as they are.
   */
  env(job: Pick<ResolvedJob, "env" | "secrets">): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(job.env)) env[k] = this.mapsValue(v) ? this.map(v) : v;
    return { ...env, ...jobEnv({ env: {}, secrets: job.secrets }) };
  }

  private mapsValue(v: string): boolean {
    if (!v.startsWith("/")) return false;
    const dirs = [this.job.workdir, this.job.artifacts?.dir].filter((d): d is string => d !== undefined);
    return dirs.some((d) => below(posix.normalize(v), d) !== null);
  }
}

/** `path` relative to `dir` ("" for dir itself), or null when it is not below it. */
function below(path: string, dir: string): string | null {
  if (path === dir) return "";
  const prefix = dir === "/" ? "/" : `${dir}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : null;
}

/** Copies a host directory's files out the way DockerRunner does: a tar of it, read by the same rules. */
export async function copyLocalArtifacts(hostDir: string, req: ArtifactsRequest): Promise<ArtifactsCopy> {
  if (!existsSync(hostDir)) {
    req.note(`gatebox: artifacts: ${req.dir} is not there; nothing to copy`);
    return { files: [], dropped: 0 };
  }
  // Not following symlinks is tar's default: a link is archived as a link, and then skipped.
  const tar = spawn("tar", ["-c", "-C", dirname(hostDir), basename(hostDir)], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  tar.stderr!.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => {
    tar.once("error", () => resolve(-1));
    tar.once("close", (code) => resolve(code ?? -1));
  });
  const abort = () => tar.kill("SIGKILL");
  req.signal?.addEventListener("abort", abort, { once: true });
  try {
    const copy = await extractArtifacts(tar.stdout!, { root: basename(hostDir), into: req.into, limit: req.limit, note: req.note });
    const code = await exited;
    if (code !== 0) req.note(`gatebox: artifacts: tar ended with ${code}: ${stderr.trim()}`);
    return copy;
  } finally {
    req.signal?.removeEventListener("abort", abort);
    tar.kill("SIGKILL");
  }
}
