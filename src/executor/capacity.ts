/**
 * At most `limit` builds at a time per engine; the rest wait, lowest `priority` first and FIFO
 * within one priority. Pure bookkeeping (no timers, no I/O), unit-tested on its own.
 *
 * Contract: `acquire` resolves with a release function once a slot is free. Calling release more
 * than once is harmless. Aborting the signal before the slot is granted removes the waiter and
 * rejects with the signal's reason; after the slot is granted the signal is ignored (release it).
 */
export class Capacity {
  private active = 0;
  private seq = 0;
  private readonly waiting: Array<{ priority: number; seq: number; grant: () => void }> = [];

  constructor(private max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`capacity must be a positive integer, got ${max}`);
  }

  get limit(): number {
    return this.max;
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Changes the limit; raising it starts waiters now, lowering it lets running builds finish. */
  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`capacity must be a positive integer, got ${limit}`);
    this.max = limit;
    this.pump();
  }

  acquire(priority = 0, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const entry = {
        priority,
        seq: this.seq++,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          reject(signal?.reason);
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      // Binary search for the insertion point keeps the queue sorted by (priority, seq).
      let lo = 0;
      let hi = this.waiting.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const w = this.waiting[mid]!;
        if (w.priority <= priority) lo = mid + 1;
        else hi = mid;
      }
      this.waiting.splice(lo, 0, entry);
      this.pump();
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.active < this.max && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.active++;
      next.grant();
    }
  }
}
