import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

export const REPO_ROOT = join(import.meta.dirname, "../..");
export const BINARY = join(REPO_ROOT, "dist/gatebox");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/gatebox with `bun run build` unless it is newer than every file under src/, web/ and
 * migrations/. Test files in several workers may ask at once: a lock directory serializes them.
 */
export function ensureBinary(): string {
  const lock = join(REPO_ROOT, "dist/.build-lock");
  mkdirSync(join(REPO_ROOT, "dist"), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      Bun.sleepSync(100);
    }
  }
  try {
    const newest = Math.max(...["src", "web", "migrations"].map((d) => newestSource(join(REPO_ROOT, d))));
    if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < newest) {
      const r = spawnSync(process.execPath, ["scripts/build.ts"], { cwd: REPO_ROOT, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`bun run build failed:\n${r.stdout}\n${r.stderr}`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return BINARY;
}
