import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/** A build's console file or artifact directory, as retention sees it. */
export interface BuildFile {
  kind: "logs" | "artifacts";
  path: string;
  /** The build it belongs to (from its name). */
  buildId: string;
  /** Unix ms: when it was last written (a finished build's console or artifacts no longer change). */
  mtimeMs: number;
  bytes: number;
}

const CONSOLE_SUFFIX = ".console.jsonl";

/**
 * Every console file under `<data-dir>/logs` and every artifact directory under
 * `<data-dir>/artifacts`, with its size. A missing directory is an empty one; an entry that goes
 * away while it is read is skipped.
 */
export async function buildFiles(dataDir: string): Promise<BuildFile[]> {
  const out: BuildFile[] = [];
  const logs = join(dataDir, "logs");
  for (const name of await names(logs)) {
    if (!name.endsWith(CONSOLE_SUFFIX)) continue;
    const st = await lstat(join(logs, name)).catch(() => null);
    if (st?.isFile()) out.push({ kind: "logs", path: join(logs, name), buildId: name.slice(0, -CONSOLE_SUFFIX.length), mtimeMs: st.mtimeMs, bytes: st.size });
  }
  const artifacts = join(dataDir, "artifacts");
  for (const name of await names(artifacts)) {
    const path = join(artifacts, name);
    const st = await lstat(path).catch(() => null);
    if (!st?.isDirectory()) continue;
    // The directory's own time is when the executor kept the files (theirs may be older: tar keeps them).
    out.push({ kind: "artifacts", path, buildId: name, mtimeMs: st.mtimeMs, bytes: await treeSize(path) });
  }
  return out;
}

/**
 * What to delete: everything older than `maxAgeMs`, then, while the rest is bigger than
 * `maxBytes`, the oldest first. Files of builds `keep` names (running, or still wanted) never go.
 */
export function choosePrunes(files: readonly BuildFile[], opts: { now: number; maxAgeMs: number; maxBytes: number; keep(buildId: string): boolean }): BuildFile[] {
  const candidates = files.filter((f) => !opts.keep(f.buildId)).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const chosen = new Set(candidates.filter((f) => f.mtimeMs < opts.now - opts.maxAgeMs));
  let total = files.reduce((sum, f) => sum + (chosen.has(f) ? 0 : f.bytes), 0);
  for (const f of candidates) {
    if (total <= opts.maxBytes) break;
    if (chosen.has(f)) continue;
    chosen.add(f);
    total -= f.bytes;
  }
  return candidates.filter((f) => chosen.has(f));
}

/** Deletes the files chosen; returns those that went (one that cannot be deleted stays, and is said). */
export async function removeFiles(files: readonly BuildFile[], log: (line: string) => void): Promise<BuildFile[]> {
  const gone: BuildFile[] = [];
  for (const f of files) {
    try {
      await rm(f.path, { recursive: true, force: true });
      gone.push(f);
    } catch (err) {
      log(`gatebox: retention: cannot delete ${f.path}: ${(err as Error).message}`);
    }
  }
  return gone;
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

/** Bytes of every file under `dir` (symlinks not followed, counted as themselves). */
async function treeSize(dir: string): Promise<number> {
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, e.name);
    const st = await lstat(path).catch(() => null);
    if (st) bytes += st.isDirectory() ? await treeSize(path) : st.size;
  }
  return bytes;
}
