import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenStore, openDatabase, StoreUnusableError } from "../../../src/store/db.ts";
import { changes } from "../../../src/store/schema.ts";
import { failingDisk, type TestMount, tinyTmpfs } from "../../support/fs-faults.ts";

/** store.canWrite() against the kernel's own faults, and a close that never throws. */

const mounts: TestMount[] = [];
const stores: OpenStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const m of mounts.splice(0)) m.cleanup();
});

function open(dir: string): OpenStore {
  const s = openDatabase(join(dir, "gatebox.sqlite"));
  stores.push(s);
  return s;
}

function insert(s: OpenStore, n: number): void {
  s.db.insert(changes).values({ number: n, project: "org/p", branch: "main", changeId: `I${n}${"0".repeat(400)}`, updatedAt: n }).run();
}

describe("store.canWrite", () => {
  it("turns false when the disk under an open store goes read-only, and close does not throw", () => {
    const disk = failingDisk();
    mounts.push(disk);
    const s = open(disk.dir);
    insert(s, 1);
    expect(s.canWrite(0)).toMatchObject({ ok: true, error: null });
    disk.fail();
    expect(() => insert(s, 2)).toThrow(); // what every real write now meets
    const check = s.canWrite(0);
    expect(check.ok).toBe(false);
    expect(check.error).toMatch(/SQLITE_IOERR|SQLITE_READONLY/);
    expect(() => s.close()).not.toThrow();
    expect(s.canWrite(0)).toMatchObject({ ok: false, error: "the store is closed" });
  });

  it("probes at most once per interval and answers the last result in between", () => {
    const disk = failingDisk();
    mounts.push(disk);
    const s = open(disk.dir);
    const first = s.canWrite(60_000);
    disk.fail();
    expect(s.canWrite(60_000)).toBe(first);
    expect(s.canWrite(0).ok).toBe(false);
  });

  // A full disk is the health model's "disk" check (test/integration/server/health.test.ts): the
  // probe's one-page commit may still fit where a real insert does not.
  it("on a full disk (SQLITE_FULL): close does not throw and the store reopens with every committed row", () => {
    const fs = tinyTmpfs("1m");
    mounts.push(fs);
    const s = open(fs.dir);
    let written = 0;
    expect(() => {
      for (written = 1; written < 100_000; written++) insert(s, written);
    }).toThrow(/disk is full/);
    stores.splice(0);
    expect(() => s.close()).not.toThrow();
    const again = open(fs.dir);
    expect(again.db.select().from(changes).all()).toHaveLength(written - 1);
  });

  it("opening a new store on a full disk is a StoreUnusableError saying so", () => {
    const fs = tinyTmpfs("256k");
    mounts.push(fs);
    try {
      writeFileSync(join(fs.dir, "ballast"), Buffer.alloc(512 * 1024));
    } catch {
      // ENOSPC: full, as wanted.
    }
    const path = join(fs.dir, "gatebox.sqlite");
    expect(() => openDatabase(path)).toThrow(StoreUnusableError);
    expect(() => openDatabase(path)).toThrow(`${path}: the disk is full`);
  });
});
