/**
 * The Source room's contract: what a code-review system tells gatebox (TriggerEvents) and how a source's
 * cursor survives restarts (SourceStateStore). Self-contained: nothing here imports other rooms.
 */

export type TriggerEventType =
  | "patchset-created"
  | "comment-added"
  | "change-merged"
  | "change-abandoned"
  | "change-restored";

export interface AccountRef {
  accountId: number;
  name?: string;
  email?: string;
  username?: string;
}

/** A dependency named in the commit message (`Depends-On:` footer). */
export type Dependency =
  | { kind: "url"; url: string; host: string; number: number }
  | { kind: "change-id"; changeId: string };

export interface ChangeRef {
  number: number;
  patchset: number;
  /** The patchset's commit SHA. */
  revision: string;
  changeId: string;
  subject: string;
  owner: AccountRef;
  /** The change's web URL, `<base>/c/<project>/+/<number>`. */
  url: string;
  /** The patchset ref, `refs/changes/XX/N/P`. */
  ref: string;
  dependsOn: Dependency[];
}

export interface Approval {
  label: string;
  value: number;
  /** The account's previous value on this label (0 when it had none). */
  previous: number;
  /** Server time of the vote, Gerrit's timestamp form. */
  date?: string;
}

export interface TriggerEvent {
  type: TriggerEventType;
  project: string;
  branch: string;
  change: ChangeRef;
  /** comment-added: the votes of `account` that changed with this event. */
  approvals?: Approval[];
  /** comment-added: the human's text, without Gerrit's `Patch Set N: Label+V` header line. */
  comment?: string;
  /** Who caused the event (uploader, reviewer, submitter) when the source knows. */
  account?: AccountRef;
  /** The change's `updated` time on the server when the event was seen. */
  updated: string;
}

/** Receives events in order; the source persists its cursor only after the sink resolves. */
export type EventSink = (events: readonly TriggerEvent[]) => Promise<void>;

/**
 * A source of TriggerEvents (the Gerrit poller is one).
 *
 * Lifecycle: `start()` checks credentials and loads the stored cursor → `poll()` any number of times
 * (or `run()` for a timer loop) → `stop()`. `poll()` calls are serialised by the source: a call while one
 * is running waits for it. `stop()` is idempotent, safe before `start()` or after a failed start, and
 * waits for an in-flight poll to finish.
 *
 * Delivery: each poll hands the events it found to the EventSink, then saves the cursor. A clean
 * restart with the same store neither misses nor repeats an event; a crash between the sink and the
 * save repeats that poll's events (at-least-once), so consumers must tolerate a duplicate.
 * Errors: a poll that cannot reach the server throws an InfraError and changes nothing (the next poll
 * covers the same window); `run()` logs such errors and keeps going.
 */
export interface Source {
  readonly name: string;
  start(): Promise<void>;
  poll(): Promise<TriggerEvent[]>;
  run(): void;
  stop(): Promise<void>;
}

/**
 * Where a source keeps its cursor. `load()` returns what the last `save()` stored, or undefined the
 * first time. `save()` replaces the whole state atomically; callers never mutate a loaded or saved
 * object afterwards, so implementations may keep references.
 */
export interface SourceStateStore<S> {
  load(): Promise<S | undefined>;
  save(state: S): Promise<void>;
}

/** In-memory store for tests and for `gatebox simulate`; copies on the way in and out. */
export class MemoryStateStore<S> implements SourceStateStore<S> {
  private state: S | undefined;
  saves = 0;

  constructor(initial?: S) {
    this.state = initial === undefined ? undefined : structuredClone(initial);
  }

  async load(): Promise<S | undefined> {
    return this.state === undefined ? undefined : structuredClone(this.state);
  }

  async save(state: S): Promise<void> {
    this.state = structuredClone(state);
    this.saves += 1;
  }
}
