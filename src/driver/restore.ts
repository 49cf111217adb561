import type { GateboxConfig } from "../config/model.ts";
import type { Secret } from "../config/secret.ts";
import type { BuildRunner } from "../executor/pool.ts";
import type { Merger } from "../merger/merger.ts";
import type { Reporter } from "../sources/source.ts";
import type { Journal } from "../store/journal.ts";
import { Driver, type DriverSnapshot } from "./driver.ts";
import { layoutFromConfig } from "./layout.ts";
import { CorePort } from "./scheduler-port.ts";

export interface RestoreOptions {
  config: GateboxConfig;
  journal: Journal;
  merger: Merger;
  executor: BuildRunner;
  reporter: Reporter;
  /** Builds that may run at once (the executors' slots). */
  capacity: number;
  log: (line: string) => void;
  /** Seconds. */
  now?: () => number;
  retryDelay?: (attempt: number) => number;
  /** The config's `secrets:`, resolved. */
  secrets?: ReadonlyMap<string, Secret>;
}

/**
 * The driver as the store left it: the scheduler restored from the last snapshot (or new), the
 * driver holding the merges and commands that were in flight. The one restore path, for
 * `gatebox serve` and for the crash tests; call `resume()` on the driver to redo what was in flight.
 */
export function restoreDriver(opts: RestoreOptions): { driver: Driver; core: CorePort } {
  const snapshot = opts.journal.loadSnapshot() as DriverSnapshot | undefined;
  if (snapshot !== undefined && snapshot.version !== 1) throw new Error(`the store holds a version-${String(snapshot.version)} driver snapshot; this gatebox reads version 1`);
  const core = CorePort.create(layoutFromConfig(opts.config), { capacity: opts.capacity }, snapshot?.core);
  const driver = new Driver({
    config: opts.config,
    core,
    ...(snapshot ? { snapshot } : {}),
    merger: opts.merger,
    executor: opts.executor,
    reporter: opts.reporter,
    journal: opts.journal,
    log: opts.log,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.retryDelay ? { retryDelay: opts.retryDelay } : {}),
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
  });
  return { driver, core };
}
