import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, StoreUnusableError } from "../../../src/store/db.ts";
import { changes } from "../../../src/store/schema.ts";
import { REPO_ROOT } from "../../support/binary.ts";

/** What `gatebox serve` does when the database file cannot be used: a clear message naming it, never a stack trace. */

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gatebox-open-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The error openDatabase throws, which must be a StoreUnusableError. */
function refusal(path: string): StoreUnusableError {
  try {
    openDatabase(path).close();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreUnusableError);
    return err as StoreUnusableError;
  }
  throw new Error(`${path} was opened`);
}

/** A real store with enough rows to span hundreds of pages, closed (WAL folded in). */
function storeWithRows(path: string, rows: number): void {
  const s = openDatabase(path);
  s.db.transaction((tx) => {
    for (let i = 1; i <= rows; i++) {
      tx.insert(changes).values({ number: i, project: `org/project-${i % 17}`, branch: "main", changeId: `I${i.toString(16).padStart(200, "0")}`, updatedAt: i }).run();
    }
  });
  s.close();
}

describe("openDatabase refuses a file it cannot use, naming it", () => {
  it("a file of random bytes", () => {
    const path = join(tempDir(), "gatebox.sqlite");
    writeFileSync(path, randomBytes(16 * 1024));
    const err = refusal(path);
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/not a gatebox database.*backup.*--data/);
  });

  it("a valid database with a page in the middle overwritten (found at open, not on a later page view)", () => {
    const dir = tempDir();
    const original = join(dir, "original.sqlite");
    storeWithRows(original, 4_000);
    const pages = statSync(original).size / 4096;
    expect(pages).toBeGreaterThan(100);
    // Cells overwritten (quick_check lists what it found), then a whole page of junk (SQLite stops at it).
    for (const [name, at, length] of [["cells", 100, 200], ["page", 0, 4096]] as const) {
      const path = join(dir, `${name}.sqlite`);
      copyFileSync(original, path);
      const fd = openSync(path, "r+");
      writeSync(fd, Buffer.alloc(length, 0x5a), 0, length, Math.floor(pages / 2) * 4096 + at);
      closeSync(fd);
      const err = refusal(path);
      expect(err.message, name).toContain(path);
      expect(err.message, name).toMatch(name === "cells" ? /damaged \(SQLite's quick_check: Tree \d+ page \d+.*backup.*--data/ : /damaged.*backup.*--data/);
    }
  });

  it("a directory where the file should be, a path under /proc, a data dir that is a file", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "gatebox.sqlite"));
    expect(refusal(join(dir, "gatebox.sqlite")).message).toMatch(/gatebox\.sqlite: is a directory/);
    expect(refusal("/proc/gatebox.sqlite").message).toContain("/proc/gatebox.sqlite");
    writeFileSync(join(dir, "plain"), "x");
    expect(refusal(join(dir, "plain", "gatebox.sqlite")).message).toMatch(/plain: cannot create the data directory.*not a directory/);
  });

  it("a store on a read-only mount", () => {
    const dir = tempDir();
    const rw = join(dir, "rw");
    const ro = join(dir, "ro");
    mkdirSync(ro);
    storeWithRows(join(rw, "gatebox.sqlite"), 10);
    const mount = spawnSync("sh", ["-c", `mount --bind ${rw} ${ro} && mount -o remount,bind,ro ${ro}`], { encoding: "utf8" });
    expect(mount.status, mount.stderr).toBe(0);
    cleanups.push(() => {
      if (spawnSync("umount", [ro]).status !== 0) spawnSync("umount", ["-l", ro]);
    });
    expect(refusal(join(ro, "gatebox.sqlite")).message).toMatch(/ro: is on a read-only file system/);
  });

  it("a healthy store still opens, and opens again", () => {
    const path = join(tempDir(), "gatebox.sqlite");
    storeWithRows(path, 100);
    const s = openDatabase(path);
    expect(s.db.select().from(changes).all()).toHaveLength(100);
    expect(s.canWrite()).toMatchObject({ ok: true, error: null });
    s.close();
  });
});

describe("gatebox serve on a damaged store", () => {
  it("exits 1 with the message naming the file, no stack trace", () => {
    const dir = tempDir();
    const data = join(dir, "data");
    mkdirSync(data);
    writeFileSync(join(data, "gatebox.sqlite"), randomBytes(16 * 1024));
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "src/cli/main.ts"), "serve", "--data", data, "--listen", "127.0.0.1:0", "--console-listen", "off"],
      { cwd: dir, encoding: "utf8", timeout: 30_000 },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(join(data, "gatebox.sqlite"));
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
