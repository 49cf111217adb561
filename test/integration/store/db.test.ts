import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/db.ts";
import { migrate, NewerSchemaError } from "../../../src/store/migrate.ts";
import { MIGRATIONS } from "../../../src/store/migrations.gen.ts";
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

  it("upgrades a database made by the first migration: build_logs goes, the rows stay", () => {
    const path = tempDb();
    // The store as a gatebox with only 0000_init left it, with a row in every table that stays.
    const raw = new Database(path, { create: true, strict: true });
    const first = MIGRATIONS.filter((m) => m.tag === "0000_init");
    expect(first).toHaveLength(1);
    expect(migrate(raw, first, path).applied).toEqual(["0000_init"]);
    raw.run("INSERT INTO build_logs (build_id, path) VALUES ('1', '/tmp/1.console.jsonl')");
    raw.run("INSERT INTO changes (number, project, branch, change_id, updated_at) VALUES (7, 'org/p', 'main', 'I7', 1)");
    raw.run("INSERT INTO builds (id, buildset_id, item_id, pipeline, project, job, state, queued_at) VALUES ('1', '2', '3', 'gate', 'org/p', 'unit', 'queued', 1)");
    raw.close();

    const s = openDatabase(path);
    const tables = s.sqlite.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
    expect(tables).not.toContain("build_logs");
    expect(tables).toEqual(expect.arrayContaining(["builds", "buildsets", "changes", "events", "patchsets", "queue_items", "scheduler_state", "source_cursors"]));
    expect(s.db.select().from(changes).all().map((c) => c.number)).toEqual([7]);
    expect(s.sqlite.query<{ id: string }, []>("SELECT id FROM builds").all()).toEqual([{ id: "1" }]);
    const applied = s.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM "__drizzle_migrations"').get();
    expect(applied?.n).toBe(MIGRATIONS.length);
    s.close();
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
