import { Driver, type DriverOptions, type DriverSnapshot } from "./driver.ts";
import { layoutFromConfig } from "./layout.ts";
import { CorePort } from "./scheduler-port.ts";

/** What the driver takes, but the scheduler and snapshot, which come from the store; and the capacity. */
export type RestoreOptions = Omit<DriverOptions, "core" | "snapshot"> & {
  /** Builds that may run at once (the executors' slots). */
  capacity: number;
};

/**
 * The driver as the store left it: the scheduler restored from the last snapshot (or new), the
 * driver holding the merges and commands that were in flight. The one restore path, for
 * `gatebox serve` and for the crash tests; call `resume()` on the driver to redo what was in flight.
 */
export function restoreDriver(opts: RestoreOptions): { driver: Driver; core: CorePort } {
  const snapshot = opts.journal.loadSnapshot() as DriverSnapshot | undefined;
  if (snapshot !== undefined && snapshot.version !== 1) throw new Error(`the store holds a version-${String(snapshot.version)} driver snapshot; this gatebox reads version 1`);
  const core = CorePort.create(layoutFromConfig(opts.config), { capacity: opts.capacity }, snapshot?.core);
  const { capacity: _, ...rest } = opts;
  const driver = new Driver({ ...rest, core, ...(snapshot ? { snapshot } : {}) });
  return { driver, core };
}
