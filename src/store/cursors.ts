import { eq } from "drizzle-orm";
import type { SourceStateStore } from "../sources/source.ts";
import type { Db } from "./db.ts";
import { sourceCursors } from "./schema.ts";

/** A source's cursor kept in SQLite under `key` (one row, replaced atomically on save). */
export class SqliteStateStore<S> implements SourceStateStore<S> {
  constructor(
    private readonly db: Db,
    private readonly key: string,
  ) {}

  async load(): Promise<S | undefined> {
    const row = this.db.select().from(sourceCursors).where(eq(sourceCursors.key, this.key)).get();
    return row ? (JSON.parse(row.value) as S) : undefined;
  }

  async save(state: S): Promise<void> {
    const value = JSON.stringify(state);
    const updatedAt = Date.now() / 1000;
    this.db
      .insert(sourceCursors)
      .values({ key: this.key, value, updatedAt })
      .onConflictDoUpdate({ target: sourceCursors.key, set: { value, updatedAt } })
      .run();
  }
}
