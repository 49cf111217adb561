import { createHash } from "node:crypto";
import type { runScenario } from "../../../src/simulate/run.ts";
import { parseScenario } from "../../../src/simulate/scenario.ts";

/**
 * Crowded generated gates whose outcomes were recorded with the core before lazy merging (issue 16)
 * in golden-streams.json. Each case: what merged, in which order, every report, the builds (counts
 * and, as a digest, every build start: time, job, change), cancels, resets and the end time; the
 * merges it asked for are recorded but not compared (fewer is the point). The window ceiling is set
 * so the default one (window.ts) does not decide.
 */
export interface GoldenCase {
  name: string;
  yaml: string;
}

export function goldenCases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  const jobSets = {
    one: "[{name: t, duration: 600}]",
    three: "[{name: a, duration: 600}, {name: b, duration: 300, dependencies: [a]}, {name: c, duration: 120}]",
  };
  for (const capacity of [2, 5, 20]) {
    for (const [jobsName, jobs] of Object.entries(jobSets)) {
      for (const rate of [0, 0.1, 0.3]) {
        for (const mergeDuration of [0, 30]) {
          for (const window of [20, 0]) {
            const name = `capacity=${capacity} jobs=${jobsName} failure-rate=${rate} merge-duration=${mergeDuration} window=${window}`;
            const yaml = `name: ${name}
pipeline: {manager: dependent, window: ${window}, window-ceiling: 1000, merge-duration: ${mergeDuration}}
jobs: ${jobs}
generate: {changes: 80, arrival-interval: 60, failure-rate: ${rate}, seed: ${capacity * 7 + Math.round(rate * 10)}}
capacity: ${capacity}
`;
            out.push({ name, yaml });
          }
        }
      }
    }
  }
  return out;
}

export interface GoldenRecord {
  merged: number;
  builds: Record<string, number>;
  finishedAt: number;
  merges: number;
  /** sha256 of each compared part. */
  digest: { merged: string; reported: string; starts: string; rest: string };
}

const sha = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 16);

export function record(run: typeof runScenario, c: GoldenCase): GoldenRecord {
  const starts: string[] = [];
  let merges = 0;
  const { outcome } = run(parseScenario("golden.yaml", c.yaml), {
    observe: (_ev, cmds, now) => {
      for (const cmd of cmds) {
        if (cmd.type === "merge") merges++;
        if (cmd.type === "start-build") starts.push(`${now}:${cmd.job}:${cmd.state[cmd.state.length - 1]}`);
      }
    },
  });
  return {
    merged: outcome.merged.length,
    builds: outcome.builds,
    finishedAt: outcome.finishedAt,
    merges,
    digest: {
      merged: sha(outcome.merged),
      reported: sha(outcome.reported),
      starts: sha(starts),
      rest: sha([outcome.builds, outcome.cancelled, outcome.resets, outcome.finishedAt, outcome.throughput]),
    },
  };
}
