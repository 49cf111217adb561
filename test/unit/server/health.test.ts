import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import {
  type ExecutorHealth,
  GERRIT_FAILED_POLLS,
  type GateHealth,
  healthChanges,
  healthModel,
  type SourceHealth,
} from "../../../src/server/health.ts";
import type { OpenStore, WriteCheck } from "../../../src/store/db.ts";

/** The health model's rules for the parts gate.ts reports (Gerrit polling, executors), on a fake clock. */

const T0 = Date.parse("2025-03-01T10:00:00Z");
const POLL = 10; // seconds

function fakeStore(check: Partial<WriteCheck> = {}): OpenStore {
  return { path: "/data/gatebox.sqlite", canWrite: () => ({ ok: true, checkedAt: T0, error: null, ...check }) } as unknown as OpenStore;
}

/** A gate reporting what `parts` say (nothing polled yet, no executor: unknown, not a problem). */
function model(parts: Partial<GateHealth> | null, now: number, store = fakeStore()) {
  const gate: GateHealth | null = parts && { sourceHealth: () => null, executorHealth: () => [], ...parts };
  return healthModel({ store, dataDir: tmpdir(), gate, pollInterval: POLL }, { minFreeBytes: 0, minFreeRatio: 0, now: () => now });
}

const failingGerrit = (since: number, lastOkAt: number | null = null): SourceHealth => ({ lastOkAt, failingSince: since, lastError: "HTTP 503 from http://gerrit" });
const executor = (name: string, ok: boolean): ExecutorHealth => ({ name, ok, failingSince: ok ? null : T0, lastError: ok ? null : "connect ECONNREFUSED /var/run/docker.sock" });

describe("healthModel", () => {
  it("is ok without a gate, and with a gate that reports nothing yet", () => {
    expect(model(null, T0)()).toEqual({ ok: true, problems: [] });
    expect(model({}, T0)()).toEqual({ ok: true, problems: [] });
  });

  it("Gerrit polling is a problem only after failing for more than a few polls", () => {
    const gate = { sourceHealth: () => failingGerrit(T0) };
    const limit = GERRIT_FAILED_POLLS * POLL * 1000;
    expect(model(gate, T0 + limit)().ok).toBe(true);
    const report = model(gate, T0 + limit + 1000)();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { check: "gerrit", message: "polling Gerrit has failed for 31s (no poll has worked since gatebox started): HTTP 503 from http://gerrit" },
    ]);
    const later = model({ sourceHealth: () => failingGerrit(T0, T0 - 5000) }, T0 + 3_600_000)();
    expect(later.problems[0]?.message).toMatch(/failed for 60m 0s \(last good poll 2025-03-01T09:59:55\.000Z\)/);
    expect(model({ sourceHealth: () => ({ lastOkAt: T0, failingSince: null, lastError: null }) }, T0 + 9e9)().ok).toBe(true);
  });

  it("executors are a problem when none answers, not when one of several does", () => {
    expect(model({ executorHealth: () => [executor("a", false), executor("b", true)] }, T0 + 1000)().ok).toBe(true);
    const report = model({ executorHealth: () => [executor("a", false), executor("b", false)] }, T0 + 90_000)();
    expect(report.problems).toEqual([{ check: "executors", message: expect.stringMatching(/^no executor answers \(a for 90s: connect ECONNREFUSED.*; b for 90s: .*\); builds cannot run$/) }]);
  });

  it("lists every problem at once", () => {
    const gate = { sourceHealth: () => failingGerrit(T0), executorHealth: () => [executor("a", false)] };
    const report = model(gate, T0 + 3_600_000, fakeStore({ ok: false, error: "SQLITE_READONLY: attempt to write a readonly database" }))();
    expect(report.problems.map((p) => p.check)).toEqual(["store", "gerrit", "executors"]);
    expect(report.problems[0]?.message).toBe(
      "/data/gatebox.sqlite: the store cannot write (SQLITE_READONLY: attempt to write a readonly database); nothing new can be recorded",
    );
  });
});

describe("healthChanges", () => {
  it("logs each newly failing check once, and when all pass again", () => {
    const lines: string[] = [];
    const see = healthChanges((l) => lines.push(l));
    see({ ok: true, problems: [] });
    see({ ok: false, problems: [{ check: "disk", message: "nearly full" }] });
    see({ ok: false, problems: [{ check: "disk", message: "nearly full, still" }] });
    see({ ok: false, problems: [{ check: "disk", message: "x" }, { check: "store", message: "cannot write" }] });
    see({ ok: false, problems: [{ check: "store", message: "cannot write" }] });
    see({ ok: true, problems: [] });
    see({ ok: true, problems: [] });
    expect(lines).toEqual([
      "gatebox: unhealthy: disk: nearly full",
      "gatebox: unhealthy: store: cannot write",
      "gatebox: healthy again",
    ]);
  });
});
