/**
 * The virtual clock's agenda: a binary min-heap ordered by (time, phase, sequence). Phase encodes
 * FORMAT.md's order within one instant: enqueues from `changes`, then `events`, then merge results
 * and build completions; the sequence keeps list order and request/start order.
 */
export interface Timed<T> {
  at: number;
  phase: number;
  seq: number;
  value: T;
}

export class EventQueue<T> {
  private heap: Timed<T>[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(entry: Timed<T>): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): Timed<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before<T>(a: Timed<T>, b: Timed<T>): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.phase !== b.phase) return a.phase < b.phase;
  return a.seq < b.seq;
}
