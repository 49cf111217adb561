import type { Secret } from "../config/secret.ts";
import type { ConsoleEvent } from "../logs/console-format.ts";
import type { SchedulerView } from "../scheduler/index.ts";
import type { Db } from "../store/db.ts";
import type { ChangeFacts } from "./change-view.ts";

/** What the web needs of the consoles: ConsoleHub satisfies it. */
export interface ConsoleAccess {
  /** The console file of a build (it may not exist yet). */
  pathOf(buildId: string): string;
  isLive(buildId: string): boolean;
  /** Everything written so far, then live events until the end marker or the signal aborts. */
  watch(buildId: string, signal?: AbortSignal): AsyncIterable<ConsoleEvent>;
}

export interface EnqueueRequest {
  pipeline: string;
  project: string;
  /** Gerrit change number. */
  change: number;
}

export interface ChangeRequest {
  pipeline: string;
  change: number;
}

/**
 * The admin actions, wired by server.ts to the scheduler (as enqueue / dequeue / promote events).
 * Each resolves once the scheduler has taken the event. Throw InputError for a request that
 * names something that is not there (unknown pipeline, change not in that pipeline): the API
 * answers 400 with the message. Any other GateboxError is a 4xx with its message (404 when the
 * source answered 404, e.g. a change Gerrit does not have; else 422); anything else a 500, logged.
 */
export interface AdminActions {
  enqueue(req: EnqueueRequest): Promise<void>;
  dequeue(req: ChangeRequest): Promise<void>;
  promote(req: ChangeRequest): Promise<void>;
}

/** One reason gatebox cannot do its job. */
export interface HealthProblem {
  /** Which check found it: the store cannot write, the data disk is nearly full, Gerrit polling fails, no executor answers. */
  check: "store" | "disk" | "gerrit" | "executors";
  /** For people: what is wrong, where, and since when. */
  message: string;
}

/** What `GET /healthz` answers: 200 when `ok`, else 503 with every problem. */
export interface HealthReport {
  ok: boolean;
  problems: HealthProblem[];
}

/** What the web layer reads and calls; server.ts supplies it. */
export interface WebContext {
  configFile: string | null;
  dataDir: string;
  gerritConfigured: boolean;
  /** Unix milliseconds. */
  startedAt: number;
  /** The store (read only from the web). */
  db: Db;
  /** The scheduler's live view of every pipeline, queue and item (Scheduler.view()). */
  status(): SchedulerView;
  /**
   * Calls `onChange` (no arguments, must not throw) whenever the status may have changed, e.g.
   * after each scheduler event. Returns an unsubscribe (idempotent). Calls may come in bursts:
   * the web coalesces them.
   */
  subscribe(onChange: () => void): () => void;
  consoles: ConsoleAccess;
  /** `web.admin-token`, resolved; null disables the admin actions (every call is 401). */
  adminToken: Secret | null;
  actions: AdminActions;
  /**
   * Host header values the server answers for (DNS-rebinding guard, src/web/hosts.ts), lowercase
   * `name:port`: server.ts gives webHosts() of web.url and the listen address. Any other Host is a
   * 421. Without a list (an app built in a test), the loopback names on any port.
   */
  allowedHosts?: readonly string[];
  /** Where a bug's stack goes (a 500 never carries it): the operator's log; default stderr. */
  log?: (line: string) => void;
  /** Whether gatebox can do its job (server/health.ts); cheap enough to call per request. Default: always ok. */
  health?(): HealthReport;
  /** The source and driver's side of the change page; absent without a gate (the page shows the store alone). */
  changes?: ChangeFacts;
  /** Unix seconds; default Date.now() / 1000. */
  now?: () => number;
  /**
   * `web.url`: an https one makes the admin session cookie `Secure`, and its origin counts as
   * gatebox's own in the cross-site check (behind a proxy that ends TLS). Default: neither.
   */
  webUrl?: string;
}
