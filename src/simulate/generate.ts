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
  /**
   * gatebox extension: a `share` of the changes are risky and fail with probability `rate`, the
   * others with what keeps the overall `failureRate`; each change's probability is its `risk`
   * (what a source learns from a check pipeline). Absent: every change fails with `failureRate`.
   */
  risky?: { share: number; rate: number };
}

export interface GeneratedChange {
  id: string;
  at: number;
  bad: boolean;
  /** With `risky`: the probability this change was drawn bad with. */
  risk?: number;
}

/**
 * c1…cN, the first at t=0; fixed spacing, or Poisson arrivals (exponential gaps). Each change is
 * bad with probability failureRate (or its own risk, with `risky`). Draw order is fixed (gap, then
 * riskiness with `risky`, then badness) so a stream depends only on its spec.
 */
export function generateStream(spec: StreamSpec): GeneratedChange[] {
  const rand = prng(spec.seed);
  const out: GeneratedChange[] = [];
  const { share, rate } = spec.risky ?? { share: 0, rate: 0 };
  const calm = share < 1 ? Math.max(0, (spec.failureRate - share * rate) / (1 - share)) : 0;
  let t = 0;
  for (let k = 1; k <= spec.changes; k++) {
    if (k > 1) {
      if (spec.arrivalInterval !== undefined) t += spec.arrivalInterval;
      else t += (-Math.log(1 - rand()) / (spec.arrivalsPerHour ?? 1)) * 3600;
    }
    if (!spec.risky) {
      out.push({ id: `c${k}`, at: t, bad: rand() < spec.failureRate });
      continue;
    }
    const risk = rand() < spec.risky.share ? spec.risky.rate : calm;
    out.push({ id: `c${k}`, at: t, bad: rand() < risk, risk });
  }
  return out;
}
