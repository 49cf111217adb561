import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/db.ts";
import { NewerSchemaError } from "../../../src/store/migrate.ts";
import { changes } from "../../../src/store/schema.ts";

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "gatebox-store-"));
  dirs.push(dir);
  return join(dir, "gatebox.sqlite");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("store", () => {
  it("creates the schema in WAL mode and keeps rows across reopen", () => {
    const path = tempDb();
    const a = openDatabase(path);
    expect(a.sqlite.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    a.db.insert(changes).values({ number: 7, project: "org/p", branch: "main", changeId: "I1", updatedAt: 1 }).run();
    a.close();
    const b = openDatabase(path);
    expect(b.db.select().from(changes).all().map((c) => c.number)).toEqual([7]);
    b.close();
  });

  it("applies migrations once", () => {
    const path = tempDb();
    openDatabase(path).close();
    const s = openDatabase(path);
    const n = s.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM "__drizzle_migrations"').get();
    expect(n?.n).toBeGreaterThan(0);
    s.close();
    const again = openDatabase(path);
    expect(again.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM "__drizzle_migrations"').get()).toEqual(n);
    again.close();
  });

  it("refuses a database written by a newer schema and leaves it untouched", () => {
    const path = tempDb();
    openDatabase(path).close();
    const raw = new Database(path);
    raw.run(`INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES ('future', ?)`, [Date.now() + 10_000_000]);
    raw.close();
    expect(() => openDatabase(path)).toThrow(NewerSchemaError);
    expect(() => openDatabase(path)).toThrow(/newer gatebox/);
  });
});
