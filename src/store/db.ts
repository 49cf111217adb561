import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations.gen.ts";
import * as schema from "./schema.ts";

/** The one place that imports bun:sqlite. */

export type Db = ReturnType<typeof drizzle<typeof schema>>;

export interface OpenStore {
  db: Db;
  sqlite: Database;
  path: string;
  close(): void;
}

/** Opens (creating if needed) the SQLite store in WAL mode and applies pending migrations. */
export function openDatabase(path: string): OpenStore {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { create: true, strict: true });
  try {
    sqlite.run("PRAGMA journal_mode = WAL");
    sqlite.run("PRAGMA synchronous = NORMAL");
    sqlite.run("PRAGMA busy_timeout = 5000");
    sqlite.run("PRAGMA foreign_keys = ON");
    migrate(sqlite, MIGRATIONS, path);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const db = drizzle(sqlite, { schema });
  let closed = false;
  return {
    db,
    sqlite,
    path,
    close() {
      if (closed) return;
      closed = true;
      // Fold the WAL back into the main file so a copied .sqlite is complete on its own.
      try {
        sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
      } finally {
        sqlite.close();
      }
    },
  };
}
