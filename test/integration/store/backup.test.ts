import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type OpenStore, openDatabase } from "../../../src/store/db.ts";
import { Journal } from "../../../src/store/journal.ts";

/**
 * The backup of docs/operations.md ("Backup"), taken while gatebox writes: another process copies
 * the live store with `VACUUM INTO` (and with sqlite3's `.backup` where the sqlite3 shell is
 * installed) while this one commits a journal transaction after another, the way the driver does.
 * The copy opens with openDatabase (quick_check, migrations) and holds a consistent prefix of the
 * transactions: every one whole, none torn, no gap.
 */

let dir: string;
let store: OpenStore;
let journal: Journal;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-backup-"));
  store = openDatabase(join(dir, "gatebox.sqlite"));
  journal = new Journal(store.db);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const PAD = "x".repeat(400);

/** One driver-like transaction: an event, then the snapshot that follows it (seq and count agree). */
function write(n: number): void {
  journal.transaction(() => {
    const seq = journal.event(1_790_000_000 + n, "tick", { n, pad: PAD });
    journal.saveSnapshot({ n }, seq, 1_790_000_000 + n);
  });
}

function count(s: OpenStore): number {
  return s.sqlite.query<{ c: number }, []>("SELECT count(*) AS c FROM events WHERE kind = 'tick'").get()!.c;
}

/** Writes continuously (yielding to the event loop between transactions) until `done` settles. */
async function writeWhile<T>(from: number, done: Promise<T>): Promise<{ result: T; written: number }> {
  let finished = false;
  const watched = done.finally(() => {
    finished = true;
  });
  let n = from;
  while (!finished) {
    write(++n);
    await new Promise((r) => setTimeout(r, 1));
  }
  return { result: await watched, written: n };
}

async function run(cmd: string[]): Promise<{ status: number; stderr: string }> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [stderr, status] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { status, stderr };
}

/** The backup opens like a store and holds transactions 1..k whole, for a k the writer had reached. */
function checkBackup(path: string, before: number, after: number): number {
  const copy = openDatabase(path);
  try {
    expect(copy.sqlite.query<{ quick_check: string }, []>("PRAGMA quick_check").get()?.quick_check).toBe("ok");
    const rows = copy.sqlite
      .query<{ seq: number; payload: string }, []>("SELECT seq, payload FROM events WHERE kind = 'tick' ORDER BY seq")
      .all()
      .map((r) => ({ seq: r.seq, n: (JSON.parse(r.payload) as { n: number }).n }));
    const k = rows.length;
    expect(k).toBeGreaterThanOrEqual(before);
    expect(k).toBeLessThanOrEqual(after);
    // No gap: transactions 1..k, in order.
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: k }, (_, i) => i + 1));
    // The snapshot belongs to the last event: no transaction is cut in half.
    const state = copy.sqlite.query<{ last_event_seq: number; snapshot: string }, []>("SELECT last_event_seq, snapshot FROM scheduler_state WHERE id = 1").get();
    expect(state?.last_event_seq).toBe(rows[k - 1]?.seq);
    expect(JSON.parse(state!.snapshot)).toEqual({ n: k });
    // And the copy is a working store: it takes the next transaction.
    const next = new Journal(copy.db);
    next.transaction(() => {
      next.saveSnapshot({ n: k + 1 }, next.event(0, "tick", { n: k + 1 }), 0);
    });
    expect(count(copy)).toBe(k + 1);
    return k;
  } finally {
    copy.close();
  }
}

/** Enough rows that a copy takes many pages (and many steps of the backup API). */
function seed(): number {
  for (let n = 1; n <= 3000; n++) write(n);
  return 3000;
}

it("VACUUM INTO from another process while gatebox writes gives a consistent store", async () => {
  const seeded = seed();
  const target = join(dir, "backup-vacuum.sqlite");
  const script = `const { Database } = require("bun:sqlite"); const db = new Database(process.argv[1], { readonly: true }); db.run("VACUUM INTO '" + process.argv[2] + "'");`;
  const { result, written } = await writeWhile(seeded, run([process.execPath, "-e", script, store.path, target]));
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  expect(written).toBeGreaterThan(seeded); // the writes really ran during the backup
  expect(checkBackup(target, seeded, written)).toBeGreaterThanOrEqual(seeded);
});

it.skipIf(!Bun.which("sqlite3"))("the sqlite3 shell's VACUUM INTO and .backup while gatebox writes give a consistent store", async () => {
  let n = seed();
  for (const [name, command] of [
    ["vacuum", (t: string) => `VACUUM INTO '${t}'`],
    ["backup", (t: string) => `.backup '${t}'`],
  ] as const) {
    const target = join(dir, `backup-${name}.sqlite`);
    const before = n;
    const { result, written } = await writeWhile(n, run(["sqlite3", store.path, command(target)]));
    n = written;
    expect(result.stderr, name).toBe("");
    expect(result.status, name).toBe(0);
    expect(written, name).toBeGreaterThan(before);
    checkBackup(target, before, written);
  }
});
