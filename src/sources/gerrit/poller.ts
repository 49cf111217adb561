/**
 * GerritSource: polls Gerrit's REST API and turns what changed into TriggerEvents (REST-SUBSET.md
 * "Events for a poller"). See Source in ../source.ts for the lifecycle and delivery contract.
 *
 * Cursor: the largest `updated` seen (server time, never the local clock). Each poll asks for changes
 * updated at or after cursor − margin; the per-change snapshots make the overlap harmless. The very first
 * poll on an empty store takes a baseline (no events: like `stream-events`, gatebox starts from now).
 * Every `sweepEvery` polls, a sweep of `status:open` reconciles anything the index missed, and open
 * changes that left the sweep are read one by one.
 */
import { InputError } from "../../errors.ts";
import type { EventSink, Source, SourceStateStore, TriggerEvent } from "../source.ts";
import type { GerritClient } from "./client.ts";
import { type ChangeSnapshot, diffChange, snapshotOf } from "./diff.ts";
import { POLL_OPTIONS, pollQuery, projectsClause, sweepQuery } from "./query.ts";
import { type GerritChange, parseGerritTime } from "./translate.ts";

export interface GerritSourceState {
  version: 1;
  /** Largest `updated` seen, Gerrit's form; undefined until the baseline poll. */
  cursor?: string;
  pollsSinceSweep: number;
  /** Change number → what the last poll saw. */
  changes: Record<string, ChangeSnapshot>;
}

export interface GerritSourceOptions {
  name?: string;
  client: Pick<GerritClient, "self" | "query" | "change" | "url">;
  store: SourceStateStore<GerritSourceState>;
  sink: EventSink;
  projects: readonly string[];
  /** Poll interval for run() (default 20 s). */
  intervalMs?: number;
  /** Overlap of the poll window (default 2 × interval + 30 s of clock skew and index lag). */
  marginMs?: number;
  /** A sweep of open changes every this many polls (default 30). */
  sweepEvery?: number;
  pageSize?: number;
  /** Web base URL for change links (default the client's URL). */
  webUrl?: string;
  /** How long snapshots of closed changes are kept after their last update (default 14 days). */
  closedRetentionMs?: number;
  log?: (line: string) => void;
}

const EPOCH = "1970-01-01 00:00:00.000000000";

export class GerritSource implements Source {
  readonly name: string;
  private selfId?: number;
  private state?: GerritSourceState;
  private inflight: Promise<unknown> = Promise.resolve();
  private timer?: ReturnType<typeof setTimeout>;
  private running = false;

  constructor(private readonly opts: GerritSourceOptions) {
    if (opts.projects.length === 0) throw new InputError("gerrit source: no projects configured to watch");
    this.name = opts.name ?? "gerrit";
  }

  private get intervalMs(): number {
    return this.opts.intervalMs ?? 20_000;
  }

  private get marginMs(): number {
    return Math.max(this.opts.marginMs ?? 2 * this.intervalMs + 30_000, 2 * this.intervalMs);
  }

  async start(): Promise<void> {
    const self = await this.opts.client.self();
    this.selfId = self.accountId;
    this.state = (await this.opts.store.load()) ?? { version: 1, pollsSinceSweep: 0, changes: {} };
  }

  poll(): Promise<TriggerEvent[]> {
    const run = this.inflight.then(() => this.pollOnce());
    this.inflight = run.catch(() => undefined);
    return run;
  }

  run(): void {
    if (this.running) return;
    this.running = true;
    const tick = async () => {
      try {
        await this.poll();
      } catch (err) {
        this.opts.log?.(`${this.name}: poll failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (this.running) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight;
  }

  private async pollOnce(): Promise<TriggerEvent[]> {
    const prev = this.state;
    if (!prev || this.selfId === undefined) throw new Error(`${this.name}: poll() before start()`);
    const next: GerritSourceState = structuredClone(prev);
    if (next.cursor === undefined) {
      await this.baseline(next);
      await this.opts.store.save(next);
      this.state = next;
      return [];
    }
    const cursorMs = parseGerritTime(next.cursor) ?? 0;
    const windowStartMs = Math.max(0, cursorMs - this.marginMs);
    const found = new Map<number, GerritChange>();
    const keep = (c: GerritChange) => {
      const had = found.get(c.number);
      if (!had || (parseGerritTime(c.updated) ?? 0) >= (parseGerritTime(had.updated) ?? 0)) found.set(c.number, c);
    };
    const pageSize = this.opts.pageSize ?? 100;
    for (const c of await this.opts.client.query(pollQuery(this.opts.projects, windowStartMs), POLL_OPTIONS, { pageSize })) keep(c);
    next.pollsSinceSweep += 1;
    if (next.pollsSinceSweep >= (this.opts.sweepEvery ?? 30)) {
      await this.sweep(next, keep);
      next.pollsSinceSweep = 0;
    }
    const ordered = [...found.values()].sort(
      (a, b) => (parseGerritTime(a.updated) ?? 0) - (parseGerritTime(b.updated) ?? 0) || a.number - b.number,
    );
    const ctx = { selfId: this.selfId, baseUrl: this.opts.webUrl ?? this.opts.client.url, windowStartMs };
    const events: TriggerEvent[] = [];
    for (const c of ordered) {
      events.push(...diffChange(next.changes[String(c.number)], c, ctx));
      next.changes[String(c.number)] = snapshotOf(c);
      if ((parseGerritTime(c.updated) ?? 0) > (parseGerritTime(next.cursor) ?? 0)) next.cursor = c.updated;
    }
    this.prune(next);
    if (events.length > 0) await this.opts.sink(events);
    await this.opts.store.save(next);
    this.state = next;
    return events;
  }

  /** First poll on an empty store: remember the newest `updated` and snapshot open changes, no events. */
  private async baseline(next: GerritSourceState): Promise<void> {
    const newest = await this.opts.client.query(projectsClause(this.opts.projects), [], { pageSize: 1, maxPages: 1 });
    for (const c of await this.opts.client.query(sweepQuery(this.opts.projects), POLL_OPTIONS, { pageSize: this.opts.pageSize ?? 100 })) {
      next.changes[String(c.number)] = snapshotOf(c);
      if ((parseGerritTime(c.updated) ?? 0) > (parseGerritTime(newest[0]?.updated ?? EPOCH) ?? 0)) newest[0] = c;
    }
    // No change at all yet: start from the epoch so the first upload is an event, not part of a baseline.
    next.cursor = newest[0]?.updated ?? EPOCH;
    this.opts.log?.(`${this.name}: baseline at ${next.cursor}, ${Object.keys(next.changes).length} open changes`);
  }

  /** Adds every open change; open snapshots missing from it (closed meanwhile) are read directly. */
  private async sweep(next: GerritSourceState, keep: (c: GerritChange) => void): Promise<void> {
    const open = await this.opts.client.query(sweepQuery(this.opts.projects), POLL_OPTIONS, { pageSize: this.opts.pageSize ?? 100 });
    const numbers = new Set(open.map((c) => c.number));
    for (const c of open) keep(c);
    for (const [key, snap] of Object.entries(next.changes)) {
      if (snap.status !== "NEW" || numbers.has(Number(key))) continue;
      try {
        keep(await this.opts.client.change(snap.project, Number(key), POLL_OPTIONS));
      } catch (err) {
        this.opts.log?.(`${this.name}: sweep could not read change ${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Forgets closed changes not updated within the retention period (bounded state). */
  private prune(next: GerritSourceState): void {
    const horizon = (parseGerritTime(next.cursor ?? EPOCH) ?? 0) - (this.opts.closedRetentionMs ?? 14 * 86_400_000);
    for (const [key, snap] of Object.entries(next.changes)) {
      if (snap.status !== "NEW" && (parseGerritTime(snap.updated) ?? 0) < horizon) delete next.changes[key];
    }
  }
}
