/** Seeded streams for throughput what-ifs: same seed, same stream (FORMAT.md "Generated streams"). */

/** mulberry32: small, fast, good enough for arrivals and coin flips; uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface StreamSpec {
  changes: number;
  arrivalInterval?: number;
  arrivalsPerHour?: number;
  failureRate: number;
  seed: number;
}

export interface GeneratedChange {
  id: string;
  at: number;
  bad: boolean;
}

/**
 * c1…cN, the first at t=0; fixed spacing, or Poisson arrivals (exponential gaps). Each change is
 * bad with probability failureRate. Draw order is fixed (gap, then badness) so a stream depends
 * only on its spec.
 */
export function generateStream(spec: StreamSpec): GeneratedChange[] {
  const rand = prng(spec.seed);
  const out: GeneratedChange[] = [];
  let t = 0;
  for (let k = 1; k <= spec.changes; k++) {
    if (k > 1) {
      if (spec.arrivalInterval !== undefined) t += spec.arrivalInterval;
      else t += (-Math.log(1 - rand()) / (spec.arrivalsPerHour ?? 1)) * 3600;
    }
    out.push({ id: `c${k}`, at: t, bad: rand() < spec.failureRate });
  }
  return out;
}
