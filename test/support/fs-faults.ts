import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Real file system faults for tests (as root, which the suite is): a tiny tmpfs that fills up,
 * and an ext4 image mounted `errors=remount-ro` whose kernel driver can be told to fail, which
 * turns the mount read-only under open files exactly as a failing disk does. No mocks: SQLite and
 * node:fs meet the kernel's own ENOSPC and EROFS.
 */
export interface TestMount {
  /** The mounted directory. */
  dir: string;
  /** Unmounts (lazily if something still holds a file) and removes the temp directory. */
  cleanup(): void;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function unmount(base: string, dir: string): void {
  try {
    sh("umount", [dir]);
  } catch {
    sh("umount", ["-l", dir]);
  }
  rmSync(base, { recursive: true, force: true });
}

/** A tmpfs of `size` (mount's syntax: "1m", "256k"). */
export function tinyTmpfs(size: string): TestMount {
  const base = mkdtempSync(join(tmpdir(), "gatebox-tmpfs-"));
  const dir = join(base, "m");
  mkdirSync(dir);
  sh("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  return { dir, cleanup: () => unmount(base, dir) };
}

export interface FailingDisk extends TestMount {
  /** Makes the kernel record a file system error: the mount turns read-only at once. */
  fail(): void;
}

/** An ext4 file system of `mib` MiB on a loop device, mounted with errors=remount-ro. */
export function failingDisk(mib = 32): FailingDisk {
  const base = mkdtempSync(join(tmpdir(), "gatebox-ext4-"));
  const image = join(base, "disk.img");
  const dir = join(base, "m");
  mkdirSync(dir);
  sh("truncate", ["-s", `${mib}M`, image]);
  sh("mkfs.ext4", ["-q", "-F", "-O", "^has_journal", image]);
  sh("mount", ["-o", "loop,errors=remount-ro", image, dir]);
  const device = sh("findmnt", ["-no", "SOURCE", dir]).trim().replace(/^\/dev\//, "");
  return {
    dir,
    fail: () => sh("sh", ["-c", `echo 1 > /sys/fs/ext4/${device}/trigger_fs_error`]),
    cleanup: () => unmount(base, dir),
  };
}
