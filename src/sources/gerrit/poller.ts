/**
 * GerritSource: polls Gerrit's REST API and turns what changed into TriggerEvents (REST-SUBSET.md
 * "Events for a poller"). See Source in ../source.ts for the lifecycle and delivery contract.
 *
 * Cursor: the largest `updated` seen (server time, never the local clock). Each poll asks for changes
 * updated at or after cursor − margin; the per-change snapshots make the overlap harmless. start() on an
 * empty store takes a baseline before it resolves (no events: like `stream-events`, gatebox starts from
 * now), so "polling" is true once it has. A change record gatebox cannot read is skipped and logged, and
 * does not stop the others.
 * Every `sweepEvery` polls, a sweep of `status:open` reconciles anything the index missed, and open
 * changes that left the sweep are read one by one.
 */
import { InputError } from "../../errors.ts";
import type { EventSink, PollStatus, Source, SourceStateStore, TriggerEvent } from "../source.ts";
import type { GerritClient } from "./client.ts";
import { GerritResponseError } from "./errors.ts";
import { type ChangeSnapshot, diffChange, snapshotOf } from "./diff.ts";
import { POLL_OPTIONS, pollQuery, projectsClause, sweepQuery } from "./query.ts";
import { type GerritChange, type SkippedChange, describeSkipped, parseGerritTime } from "./translate.ts";

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
  private pollStatus: PollStatus = { lastOkAt: null, failingSince: null, lastError: null };

  constructor(private readonly opts: GerritSourceOptions) {
    if (opts.projects.length === 0) throw new InputError("gerrit source: no projects configured to watch");
    this.name = opts.name ?? "gerrit";
  }

  private get intervalMs(): number {
    return this.opts.intervalMs ?? 20_000;
  }

  private get pageSize(): number {
    return this.opts.pageSize ?? 100;
  }

  private get marginMs(): number {
    return Math.max(this.opts.marginMs ?? 2 * this.intervalMs + 30_000, 2 * this.intervalMs);
  }

  /**
   * Checks the credentials and loads the stored state; on an empty store, takes the baseline before
   * resolving, so a change uploaded once start() has resolved is always an event.
   */
  status(): PollStatus {
    return { ...this.pollStatus };
  }

  async start(): Promise<void> {
    try {
      await this.startOnce();
      this.recordPoll(null);
    } catch (err) {
      this.recordPoll(err);
      throw err;
    }
  }

  private recordPoll(err: unknown): void {
    if (err === null) {
      this.pollStatus = { lastOkAt: Date.now(), failingSince: null, lastError: null };
      return;
    }
    this.pollStatus.failingSince ??= Date.now();
    this.pollStatus.lastError = err instanceof Error ? err.message : String(err);
  }

  private async startOnce(): Promise<void> {
    const self = await this.opts.client.self();
    this.selfId = self.accountId;
    const stored = (await this.opts.store.load()) ?? { version: 1, pollsSinceSweep: 0, changes: {} };
    if (stored.cursor !== undefined) {
      this.state = stored;
      return;
    }
    const next = structuredClone(stored);
    const skipped = new SkipLog();
    try {
      await this.baseline(next, skipped);
    } finally {
      skipped.flush(this.name, this.opts.log);
    }
    await this.opts.store.save(next);
    this.state = next;
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
        this.recordPoll(null);
      } catch (err) {
        this.recordPoll(err);
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
    const windowStartMs = Math.max(0, (parseGerritTime(next.cursor ?? EPOCH) ?? 0) - this.marginMs);
    const skipped = new SkipLog();
    const ordered = await this.collect(next, windowStartMs, skipped);
    skipped.flush(this.name, this.opts.log);
    const ctx = { selfId: this.selfId, baseUrl: this.opts.webUrl ?? this.opts.client.url, windowStartMs };
    const events: TriggerEvent[] = [];
    for (const c of ordered) {
      events.push(...diffChange(next.changes[String(c.number)], c, ctx));
      next.changes[String(c.number)] = snapshotOf(c);
      if ((parseGerritTime(c.updated) ?? 0) > (parseGerritTime(next.cursor ?? EPOCH) ?? 0)) next.cursor = c.updated;
    }
    this.prune(next);
    if (events.length > 0) await this.opts.sink(events);
    await this.opts.store.save(next);
    this.state = next;
    return events;
  }

  /** The changes updated in the window (and, every `sweepEvery` polls, the open ones), oldest first. */
  private async collect(next: GerritSourceState, windowStartMs: number, skipped: SkipLog): Promise<GerritChange[]> {
    const found = new Map<number, GerritChange>();
    const keep = (c: GerritChange) => {
      const had = found.get(c.number);
      if (!had || (parseGerritTime(c.updated) ?? 0) >= (parseGerritTime(had.updated) ?? 0)) found.set(c.number, c);
    };
    const query = pollQuery(this.opts.projects, windowStartMs);
    for (const c of await this.opts.client.query(query, POLL_OPTIONS, { pageSize: this.pageSize, onSkipped: skipped.in("poll") })) keep(c);
    next.pollsSinceSweep += 1;
    if (next.pollsSinceSweep >= (this.opts.sweepEvery ?? 30)) {
      await this.sweep(next, keep, skipped);
      next.pollsSinceSweep = 0;
    }
    return [...found.values()].sort((a, b) => (parseGerritTime(a.updated) ?? 0) - (parseGerritTime(b.updated) ?? 0) || a.number - b.number);
  }

  /**
   * First start on an empty store: remember the newest `updated` (Gerrit's clock, never ours) and
   * snapshot the open changes and those updated within the margin before it, without events (like
   * `stream-events`, gatebox starts from now). A change updated while this runs is either in a
   * snapshot or updated after cursor − margin, so the first poll sees it.
   */
  private async baseline(next: GerritSourceState, skipped: SkipLog): Promise<void> {
    // The newest few (sorted by `updated`, newest first): the first readable one is the starting point.
    const newest = await this.opts.client.query(projectsClause(this.opts.projects), [], { pageSize: 10, maxPages: 1, onSkipped: skipped.in("baseline") });
    if (newest.length === 0 && skipped.size > 0) {
      throw new GerritResponseError(`${this.name}: cannot take a baseline, none of the newest changes can be read`, "GET", "/changes/");
    }
    // No change at all yet: start from the epoch so the first upload is an event, not part of a baseline.
    next.cursor = newest[0]?.updated ?? EPOCH;
    const recent = pollQuery(this.opts.projects, Math.max(0, (parseGerritTime(next.cursor) ?? 0) - this.marginMs));
    const open = sweepQuery(this.opts.projects);
    for (const q of newest.length > 0 ? [recent, open] : [open]) {
      for (const c of await this.opts.client.query(q, POLL_OPTIONS, { pageSize: this.pageSize, onSkipped: skipped.in("baseline") })) {
        next.changes[String(c.number)] = snapshotOf(c);
        if ((parseGerritTime(c.updated) ?? 0) > (parseGerritTime(next.cursor) ?? 0)) next.cursor = c.updated;
      }
    }
    this.opts.log?.(`${this.name}: baseline at ${next.cursor}, ${Object.keys(next.changes).length} change(s) known`);
  }

  /**
   * Adds every open change; open snapshots missing from it (closed meanwhile) are read directly, except
   * those skipped as unreadable in this poll (already logged).
   */
  private async sweep(next: GerritSourceState, keep: (c: GerritChange) => void, skipped: SkipLog): Promise<void> {
    const open = await this.opts.client.query(sweepQuery(this.opts.projects), POLL_OPTIONS, { pageSize: this.pageSize, onSkipped: skipped.in("sweep") });
    const numbers = new Set(open.map((c) => c.number));
    for (const c of open) keep(c);
    for (const [key, snap] of Object.entries(next.changes)) {
      if (snap.status !== "NEW" || numbers.has(Number(key)) || skipped.has(Number(key))) continue;
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

/**
 * The change records one poll had to skip (a status this version does not know, a missing field):
 * logged once per poll, one line, each change once however many queries returned it.
 */
class SkipLog {
  private readonly seen = new Map<string, string>();
  private readonly numbers = new Set<number>();

  /** The `onSkipped` callback for one query of the poll. */
  in(query: string): (s: SkippedChange) => void {
    return (s) => {
      const key = s.number !== undefined ? `#${s.number}` : s.id !== undefined ? `id ${s.id}` : `${query}@${s.position}`;
      if (s.number !== undefined) this.numbers.add(s.number);
      if (!this.seen.has(key)) this.seen.set(key, describeSkipped(s, `the ${query} query`));
    };
  }

  get size(): number {
    return this.seen.size;
  }

  has(number: number): boolean {
    return this.numbers.has(number);
  }

  flush(name: string, log?: (line: string) => void): void {
    if (this.seen.size === 0) return;
    log?.(`${name}: skipped ${this.seen.size} change record(s) that gatebox cannot read, the others were processed: ${[...this.seen.values()].join("; ")}`);
  }
}
