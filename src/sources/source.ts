/**
 * The Source room's contract, everything the driver knows of a code-review system: what it tells
 * gatebox (TriggerEvents, from a polling Source), what gatebox may ask it (ChangeLookup), where
 * results go (Reporter), and the typed record of a change the scheduler carries (ChangeMeta). The
 * driver imports this file and never `sources/gerrit/`, so another source (a plain git remote,
 * GitHub) plugs in without touching it. Imports only the pure core's and the config's types.
 */
import type { PipelineConfig } from "../config/model.ts";
import type { Change, Command } from "../scheduler/index.ts";

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

/** A change at its current patchset, as the source reports it in a TriggerEvent. */
export interface SourceChange {
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
  change: SourceChange;
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
  /** How its starts and polls have gone lately (for /healthz). */
  status(): PollStatus;
}

/** The recent history of a source's polls. Times are unix ms. */
export interface PollStatus {
  /** The last start or poll that worked; null before the first. */
  lastOkAt: number | null;
  /** The first failure of the current run of failures; null while polls work. */
  failingSince: number | null;
  /** The last failure's message (never a secret); null while polls work. */
  lastError: string | null;
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

/**
 * What gatebox keeps of a change's patchset on the scheduler's `Change.meta` (opaque to the core):
 * written by `schedulerChange`, read back by `changeMeta`. Plain JSON, so it is saved with the
 * scheduler's snapshot and the store's history.
 */
export interface ChangeMeta {
  [key: string]: string | number;
  number: number;
  patchset: number;
  /** The source's stable identity across patchsets (Gerrit's Change-Id, I + 40 hex). */
  changeId: string;
  /** The patchset's commit SHA. */
  revision: string;
  /** Where the patchset's commit can be fetched (`refs/changes/XX/N/P`). */
  ref: string;
  url: string;
  subject: string;
  /** The owner's name as shown to people. */
  owner: string;
}

/** The scheduler's record of a change at one patchset: the one place a source change becomes one. */
export function schedulerChange(project: string, branch: string, c: SourceChange): Change {
  const meta: ChangeMeta = {
    number: c.number,
    patchset: c.patchset,
    changeId: c.changeId,
    revision: c.revision,
    ref: c.ref,
    url: c.url,
    subject: c.subject,
    owner: c.owner.name ?? c.owner.username ?? String(c.owner.accountId),
  };
  return { id: String(c.number), project, branch, dependsOn: [], meta };
}

const META_NUMBERS = ["number", "patchset"] as const;
const META_STRINGS = ["changeId", "revision", "ref", "url", "subject", "owner"] as const;

/** Whether a value (e.g. read back from JSON) is a complete ChangeMeta. */
export function isChangeMeta(value: unknown): value is ChangeMeta {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return META_NUMBERS.every((k) => typeof v[k] === "number") && META_STRINGS.every((k) => typeof v[k] === "string");
}

/** The typed meta of a change that entered through `schedulerChange`; anything else is a bug. */
export function changeMeta(change: Pick<Change, "id" | "meta">): ChangeMeta {
  if (!isChangeMeta(change.meta)) throw new Error(`change ${change.id} carries no source record (a bug)`);
  return change.meta;
}

export type ChangeStatus = "NEW" | "MERGED" | "ABANDONED";

/** Current votes on a change's current patchset: label → every account's value. */
export type Votes = Record<string, number[]>;

/**
 * What the driver may ask a source about a change, beyond the events it delivers. Errors are the
 * source's (unreachable: InfraError; an unknown change: InputError) and are never voted on.
 */
export interface ChangeLookup {
  /** The change's current patchset as the scheduler's record, its status and its Depends-On footers. */
  change(number: number, project?: string): Promise<{ status: ChangeStatus; record: Change; dependsOn: Dependency[] }>;
  /** Open changes of configured projects carrying this Change-Id (unique per project and branch only). */
  openByChangeId(changeId: string): Promise<number[]>;
  /** The current votes of a change (read from the source, not from the event). */
  votes(project: string, number: number): Promise<Votes>;
}

/**
 * A change as the source has it now, for people asking why it is in no queue (the change page):
 * its status, whether it is work in progress, and the current patchset's votes.
 */
export interface ChangeState {
  number: number;
  project: string;
  branch: string;
  status: ChangeStatus;
  /** Work in progress: the owner says it is not ready (Gerrit's `work_in_progress`). */
  wip: boolean;
  patchset: number;
  subject: string;
  /** The change's web URL on the source. */
  url: string;
  /** The owner's name as shown to people. */
  owner: string;
  /** Votes on the current patchset, label → every account's value. */
  votes: Votes;
}

/**
 * The ChangeLookup's question for the web (kept apart so the driver's fakes need not answer it).
 * Errors as ChangeLookup's: unreachable is an InfraError, an unknown change an InputError.
 */
export interface ChangeStateLookup {
  state(number: number): Promise<ChangeState>;
}

export type ReportCommand = Extract<Command, { type: "report" }>;

/**
 * How a submit went: `revision` the change's commit as it landed (a rebase or cherry-pick makes a
 * new one), when the source says; `reason` the source's refusal text, shown to people, never parsed.
 */
export type SubmitAnswer = { ok: true; revision?: string } | { ok: false; reason: string };

/** What the driver knows about earlier attempts, so a report is delivered once and in order. */
export interface ReportOptions {
  /** The item's start report failed ambiguously (it may still land): do not let it erase the result. */
  startUncertain?: boolean;
  /** An earlier attempt of this result failed ambiguously: it may have been delivered already. */
  retry?: boolean;
}

/**
 * Where a pipeline's results go (the Gerrit reporter in production; recorders in tests).
 *
 * Contract: the driver may call any method again after a crash (it re-sends reports it had not
 * finished), so an implementation re-reads the change first and never double-applies: `report`
 * with `submit` on a change that is merged already answers `{ ok: true }`; nothing is posted on a
 * patchset that is no longer current. A `dequeued` result is not reported (the item left by an
 * event, not by a result); an `error` result is reported without a vote. Errors thrown are the
 * source's: one with an HTTP-like `status` of 4xx (not 408/429) is permanent (e.g. no permission)
 * and is not retried; any other is retried with backoff.
 */
export interface Reporter {
  /** The item entered a pipeline that has a `start` action (e.g. Verified 0, "Starting gate jobs"). */
  start(pipeline: PipelineConfig, change: Change): Promise<void>;
  /**
   * The item's result: vote and message per the pipeline's success or failure action, each job
   * with its result, duration and log link; then, when `report.submit`, submit the tested
   * patchset and say how that went. Null when nothing was to be submitted.
   */
  report(pipeline: PipelineConfig, report: ReportCommand, options?: ReportOptions): Promise<SubmitAnswer | null>;
}
