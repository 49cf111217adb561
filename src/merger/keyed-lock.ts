/**
 * Mutual exclusion per key (one repository is never mutated by two operations at once).
 * `run(key, fn)` waits for every earlier `run` on the same key to settle, then runs `fn`; runs on
 * different keys proceed concurrently. FIFO per key; a failing `fn` releases the lock too.
 * Never nest `run` calls on two keys in different orders (that could deadlock); the merger takes
 * one repository lock at a time.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      // The last holder cleans up so the map does not grow with every key ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys currently held or waited for (for tests and status). */
  get busyKeys(): string[] {
    return [...this.tails.keys()];
  }
}

/**
 * At most `limit` concurrent `run`s; the rest wait in FIFO order. A failing `fn` frees its slot.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be >= 1, got ${limit}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter: `active` stays the same.
      if (next) next();
      else this.active--;
    }
  }

  get running(): number {
    return this.active;
  }
}
