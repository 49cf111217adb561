import type { PipelineConfig } from "../config/model.ts";
import type { Change } from "../scheduler/index.ts";
import type { Reporter, ReportCommand, SubmitAnswer } from "../sources/source.ts";

export interface OutboxDeps {
  reporter: Reporter;
  log: (line: string) => void;
  stopped(): boolean;
  /** Pause before retry n (ms); default 2 s, 4 s, … capped at 60 s. */
  retryDelay?: (attempt: number) => number;
}

/** A start report queued or under way; `superseded` once the item's result is ready. */
interface StartTask {
  pipeline: string;
  superseded: boolean;
}

/** One change's reports: a chain run one at a time, in the order they were made. */
interface Lane {
  tail: Promise<void>;
  pending: number;
  starts: StartTask[];
  /** Pipelines whose start report failed in a way that may still reach the source later. */
  uncertain: Set<string>;
}

/**
 * The reports of one change leave one at a time, in the order the scheduler made them, so a late
 * start report can never overtake (and erase) the result:
 * - a start report not yet delivered when the result is ready is dropped (superseded);
 * - a start report is tried once: when it fails in a way that may still land (a timeout, a 5xx),
 *   the result is sent with `startUncertain` and the reporter waits for the start to show up first;
 * - a result is retried with backoff until it is delivered, with `retry` so the reporter can tell
 *   whether an earlier attempt got through; a permanent refusal (a 4xx) is thrown at once.
 */
export class ReportOutbox {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly deps: OutboxDeps) {}

  /** The pipeline's start action for a change that entered it; never throws. */
  start(pipeline: PipelineConfig, change: Change): void {
    const lane = this.lane(change.id);
    const task: StartTask = { pipeline: pipeline.name, superseded: false };
    lane.starts.push(task);
    this.run(change.id, lane, async () => {
      lane.starts.splice(lane.starts.indexOf(task), 1);
      if (task.superseded || this.deps.stopped()) return;
      try {
        await this.deps.reporter.start(pipeline, change);
      } catch (err) {
        if (!isPermanent(err)) lane.uncertain.add(pipeline.name);
        this.deps.log(`gatebox: start report of change ${change.id} in ${pipeline.name} failed (${(err as Error).message}); not retried`);
      }
    });
  }

  /** Delivers the item's result after the change's earlier reports; resolves with the submit answer. */
  result(pipeline: PipelineConfig, report: ReportCommand): Promise<SubmitAnswer | null> {
    const lane = this.lane(report.change.id);
    for (const t of lane.starts) if (t.pipeline === pipeline.name) t.superseded = true;
    return new Promise((resolve, reject) => {
      this.run(report.change.id, lane, async () => {
        const startUncertain = lane.uncertain.delete(pipeline.name);
        try {
          resolve(await this.deliver(pipeline, report, startUncertain));
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  private async deliver(pipeline: PipelineConfig, report: ReportCommand, startUncertain: boolean): Promise<SubmitAnswer | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.reporter.report(pipeline, report, { startUncertain, retry: attempt > 1 });
      } catch (err) {
        if (this.deps.stopped() || isPermanent(err)) throw err;
        const delay = (this.deps.retryDelay ?? backoff)(attempt);
        this.deps.log(`gatebox: report of change ${report.change.id} failed (${(err as Error).message}); retrying in ${delay / 1000}s`);
        await Bun.sleep(delay);
      }
    }
  }

  private lane(changeId: string): Lane {
    let lane = this.lanes.get(changeId);
    if (!lane) {
      lane = { tail: Promise.resolve(), pending: 0, starts: [], uncertain: new Set() };
      this.lanes.set(changeId, lane);
    }
    return lane;
  }

  private run(changeId: string, lane: Lane, task: () => Promise<void>): void {
    lane.pending++;
    lane.tail = lane.tail.then(task).finally(() => {
      lane.pending--;
      if (lane.pending === 0 && lane.uncertain.size === 0 && this.lanes.get(changeId) === lane) this.lanes.delete(changeId);
    });
  }
}

function backoff(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6));
}

/**
 * A client error that asking again will not change (a 403: no permission). Not 401 (our
 * credentials: fixed by the operator, never the change's fault), 408 (timeout) or 429 (quota).
 */
export function isPermanent(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status < 500 && ![401, 408, 429].includes(status);
}
