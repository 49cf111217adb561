import type { DriverObserver, DriverStep } from "./ports.ts";

/**
 * Who hears from the driver after each input: status listeners (the web's live view: "something
 * changed") and observers (metrics: what the input was and which commands it caused). A listener
 * that throws is logged and never stops the driver.
 */
export class DriverListeners {
  private readonly changed = new Set<() => void>();
  private readonly observers = new Set<DriverObserver>();

  constructor(private readonly log: (line: string) => void) {}

  /** Calls `fn` after each input handled; returns an unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.changed.add(fn);
    return () => {
      this.changed.delete(fn);
    };
  }

  /** Calls `fn` with each input's step (and once with what was in flight on resume); returns an unsubscribe. */
  observe(fn: DriverObserver): () => void {
    this.observers.add(fn);
    return () => {
      this.observers.delete(fn);
    };
  }

  /** After an input was written: observers first (they see the step), then the status listeners. */
  notify(step: DriverStep | null): void {
    if (step) for (const fn of this.observers) this.guard("an observer", () => fn(step));
    for (const fn of this.changed) this.guard("a status listener", fn);
  }

  /** On resume: observers learn what was in flight. */
  resumed(step: DriverStep): void {
    for (const fn of this.observers) this.guard("an observer", () => fn(step));
  }

  private guard(who: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log(`gatebox: ${who} failed: ${(err as Error).message}`);
    }
  }
}
