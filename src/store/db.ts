import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { GateboxError } from "../errors.ts";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations.gen.ts";
import * as schema from "./schema.ts";

/** The one place that imports bun:sqlite. */

export type Db = ReturnType<typeof drizzle<typeof schema>>;

/** The answer of a write probe: can the store still commit a transaction? */
export interface WriteCheck {
  ok: boolean;
  /** Unix ms of the probe this answer comes from. */
  checkedAt: number;
  /** What SQLite said when the probe failed ("SQLITE_FULL: database or disk is full"). */
  error: string | null;
}

export interface OpenStore {
  db: Db;
  sqlite: Database;
  path: string;
  /**
   * Commits a tiny write (a `PRAGMA user_version` round trip) at most once per `maxAgeMs` and
   * says whether it worked; between probes it answers the last result. Never throws.
   */
  canWrite(maxAgeMs?: number): WriteCheck;
  /** Checkpoints the WAL when it can, then closes. Never throws; safe to call twice. */
  close(): void;
  /** Gives back the connection's page cache (`PRAGMA shrink_memory`), for a quiet moment. Never throws. */
  shrink(): void;
}

/**
 * The database file cannot be used: damaged, not a database, not a file, not writable. The message
 * names the file and what to do. Not a bug and not the change's fault: the operator's to fix.
 */
export class StoreUnusableError extends GateboxError {}

/** How often `canWrite` probes by default. */
export const WRITE_PROBE_EVERY_MS = 5_000;

const RESTORE = "Restore it from a backup, or start with another --data directory; gatebox left the file as it was.";

/**
 * Opens (creating if needed) the SQLite store in WAL mode, checks it (`PRAGMA quick_check`) and
 * applies pending migrations. Anything wrong with the file is a StoreUnusableError naming it.
 */
export function openDatabase(path: string): OpenStore {
  if (path !== ":memory:") {
    checkPlace(path);
    privateFile(path);
  }
  let sqlite: Database;
  try {
    sqlite = new Database(path, { create: true, strict: true });
  } catch (err) {
    throw unusable(path, err);
  }
  try {
    sqlite.run("PRAGMA busy_timeout = 5000");
    quickCheck(sqlite, path);
    sqlite.run("PRAGMA journal_mode = WAL");
    sqlite.run("PRAGMA synchronous = NORMAL");
    sqlite.run("PRAGMA foreign_keys = ON");
    migrate(sqlite, MIGRATIONS, path);
  } catch (err) {
    closeQuietly(sqlite);
    throw err instanceof GateboxError ? err : unusable(path, err);
  }
  return wrap(sqlite, path);
}

function wrap(sqlite: Database, path: string): OpenStore {
  const db = drizzle(sqlite, { schema });
  let closed = false;
  let last: WriteCheck | null = null;
  return {
    db,
    sqlite,
    path,
    canWrite(maxAgeMs = WRITE_PROBE_EVERY_MS) {
      const now = Date.now();
      if (closed) return { ok: false, checkedAt: now, error: "the store is closed" };
      // Inside someone's open transaction a probe would join it: answer the last result instead.
      if (last && (now - last.checkedAt < maxAgeMs || sqlite.inTransaction)) return last;
      last = { ok: true, checkedAt: now, error: null };
      try {
        const row = sqlite.query<{ user_version: number }, []>("PRAGMA user_version").get();
        sqlite.run(`PRAGMA user_version = ${Number(row?.user_version ?? 0)}`);
      } catch (err) {
        last = { ok: false, checkedAt: now, error: sqliteText(err) };
      }
      return last;
    },
    shrink() {
      if (closed) return;
      try {
        sqlite.run("PRAGMA shrink_memory");
      } catch {
        // Only memory not given back: nothing to report.
      }
    },
    close() {
      if (closed) return;
      closed = true;
      // Fold the WAL back into the main file so a copied .sqlite is complete on its own. On a full
      // or read-only disk this fails: the WAL stays beside the file and SQLite replays it on the
      // next open, so nothing committed is lost.
      try {
        sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch {
        // see above
      }
      closeQuietly(sqlite);
    },
  };
}

/** The checks SQLite's own errors would answer vaguely ("unable to open database file"). */
function checkPlace(path: string): void {
  const dir = dirname(path);
  try {
    // The store holds every change's history and who approved it: only gatebox's user reads it.
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  } catch (err) {
    const code = errnoCode(err);
    const why = code === "EEXIST" || code === "ENOTDIR" ? "it, or a directory above it, is not a directory" : errnoText(err);
    throw new StoreUnusableError(`${dir}: cannot create the data directory (${why}); choose another --data directory.`, 1, { cause: err });
  }
  const st = statOrNull(path);
  if (st?.isDirectory()) {
    throw new StoreUnusableError(`${path}: is a directory, not a database file. Move it away, or start with another --data directory.`);
  }
  if (st && !st.isFile()) {
    throw new StoreUnusableError(`${path}: is not a regular file, so it cannot hold the database. Start with another --data directory.`);
  }
  // SQLite writes the -wal and -shm files beside the database: the directory must be writable too.
  mustWrite(dir, constants.W_OK | constants.X_OK);
  if (st) mustWrite(path, constants.R_OK | constants.W_OK);
}

/** Directories and files gatebox creates: its user's alone (the umask may only narrow it further). */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * The database file is made 0600 before SQLite opens it (created empty if it is new: SQLite reads
 * an empty file as a new database), so its -wal and -shm, which SQLite creates with the mode of
 * the database file, are 0600 too. An existing store from before is narrowed the same way.
 */
function privateFile(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT, PRIVATE_FILE));
    chmodSync(path, PRIVATE_FILE);
    for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, PRIVATE_FILE);
  } catch {
    // Not ours to change (another owner, a read-only mount): opening it says what is wrong.
  }
}

function mustWrite(path: string, mode: number): void {
  try {
    accessSync(path, mode);
  } catch (err) {
    const what = errnoCode(err) === "EROFS" ? "is on a read-only file system" : `is not writable (${errnoText(err)})`;
    throw new StoreUnusableError(
      `${path}: ${what}; gatebox must write its database there. Fix the permissions or the mount, or start with another --data directory.`,
      1,
      { cause: err },
    );
  }
}

/** `PRAGMA quick_check` reads every page: damage anywhere in the file is found now, not later on a page view. */
function quickCheck(sqlite: Database, path: string): void {
  const lines = sqlite
    .query<Record<string, string>, []>("PRAGMA quick_check")
    .values()
    .flatMap((row) => String(row[0]).split("\n"));
  if (lines.length === 1 && lines[0] === "ok") return;
  const shown = lines.filter((l) => !l.startsWith("***")).slice(0, 3);
  const more = lines.length > shown.length + 1 ? "; …" : "";
  throw new StoreUnusableError(`${path}: the database is damaged (SQLite's quick_check: ${shown.join("; ")}${more}). ${RESTORE}`);
}

/**
 * Turns what SQLite or the file system threw at open into a StoreUnusableError that names the file
 * and says what to do. Anything else (a TypeError, …) is a bug and is passed on as it is.
 */
function unusable(path: string, err: unknown): unknown {
  const code = errnoCode(err);
  if (!code) return err;
  const text = sqliteText(err);
  const say = (what: string) => new StoreUnusableError(`${path}: ${what}`, 1, { cause: err });
  if (code === "SQLITE_NOTADB") return say(`is not a gatebox database (SQLite: ${text}). ${RESTORE}`);
  if (code.startsWith("SQLITE_CORRUPT")) return say(`the database is damaged (SQLite: ${text}). ${RESTORE}`);
  if (code === "SQLITE_FULL") return say(`the disk is full (SQLite: ${text}). Free some space, then start gatebox again.`);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return say(`the database is locked by another process (SQLite: ${text}). Is another gatebox running with the same --data directory?`);
  }
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_PERM")) {
    return say(`cannot open the database for writing (SQLite: ${text}). Check the file, its directory and their mount, or start with another --data directory.`);
  }
  if (code.startsWith("SQLITE_IOERR")) return say(`the disk failed while reading or writing the database (SQLite: ${text}). Check the disk (dmesg), then ${RESTORE.toLowerCase()}`);
  return say(`cannot use the database (${text}). ${RESTORE}`);
}

function closeQuietly(sqlite: Database): void {
  try {
    sqlite.close();
  } catch {
    // Closing only frees memory and file handles; nothing to save at this point.
  }
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return null;
    throw new StoreUnusableError(`${path}: cannot look at the database file (${errnoText(err)}).`, 1, { cause: err });
  }
}

function errnoCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : null;
}

function errnoText(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

function sqliteText(err: unknown): string {
  const code = errnoCode(err);
  const message = (err as Error)?.message ?? String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
