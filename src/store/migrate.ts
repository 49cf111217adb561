import { createHash } from "node:crypto";
import type { Database } from "bun:sqlite";
import { GateboxError } from "../errors.ts";

export interface Migration {
  tag: string;
  when: number;
  sql: string;
}

/** The database was written by a newer gatebox: refuse rather than corrupt it. */
export class NewerSchemaError extends GateboxError {}

/**
 * Applies the embedded migrations not yet applied, each in a transaction, recording them in
 * drizzle's own `__drizzle_migrations` table (hash = sha256 of the SQL, created_at = the journal's
 * `when`) so drizzle-kit tooling sees the same history.
 */
export function migrate(db: Database, migrations: readonly Migration[], where: string): { applied: string[] } {
  db.run(
    `CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL, created_at NUMERIC)`,
  );
  const rows = db.query<{ hash: string; created_at: number }, []>(`SELECT hash, created_at FROM "__drizzle_migrations"`).all();
  const known = new Map(migrations.map((m) => [hashOf(m), m]));
  const latest = Math.max(0, ...migrations.map((m) => m.when));
  const foreign = rows.filter((r) => !known.has(r.hash));
  if (foreign.length > 0) {
    const newest = Math.max(...foreign.map((r) => Number(r.created_at)));
    const when = newest > latest ? "a newer gatebox" : "another program";
    throw new NewerSchemaError(
      `${where}: this database was written by ${when} (it has ${foreign.length} schema migration(s) this gatebox does not know, ` +
        `the newest from ${new Date(newest).toISOString()}). Upgrade gatebox, or start with another --data directory; ` +
        "the database was left untouched.",
    );
  }
  const done = new Set(rows.map((r) => r.hash));
  const applied: string[] = [];
  for (const m of migrations) {
    const hash = hashOf(m);
    if (done.has(hash)) continue;
    db.transaction(() => {
      for (const statement of m.sql.split("--> statement-breakpoint")) {
        if (statement.trim()) db.run(statement);
      }
      db.run(`INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)`, [hash, m.when]);
    })();
    applied.push(m.tag);
  }
  return { applied };
}

function hashOf(m: Migration): string {
  return createHash("sha256").update(m.sql).digest("hex");
}
