import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyedLock, Semaphore } from "../../../src/merger/keyed-lock.ts";

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("KeyedLock", () => {
  it("never runs two holders of one key at once, keeps FIFO order, and runs other keys alongside", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.nat(3)), { maxLength: 30 }), async (jobs) => {
        const lock = new KeyedLock();
        const active = new Map<string, number>();
        const order = new Map<string, number[]>();
        let maxOverall = 0;
        let running = 0;
        await Promise.all(
          jobs.map(([key, delay], index) =>
            lock.run(key, async () => {
              active.set(key, (active.get(key) ?? 0) + 1);
              expect(active.get(key)).toBe(1);
              running++;
              maxOverall = Math.max(maxOverall, running);
              order.set(key, [...(order.get(key) ?? []), index]);
              for (let i = 0; i < delay; i++) await tick();
              running--;
              active.set(key, active.get(key)! - 1);
            }),
          ),
        );
        for (const indices of order.values()) expect(indices).toEqual([...indices].sort((x, y) => x - y));
        const keys = new Set(jobs.map(([key]) => key));
        if (keys.size > 1 && jobs.every(([, d]) => d > 0)) expect(maxOverall).toBeGreaterThan(1);
        expect(lock.busyKeys).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it("releases the lock when the holder throws", async () => {
    const lock = new KeyedLock();
    await expect(lock.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await lock.run("k", async () => 42)).toBe(42);
  });
});

describe("Semaphore", () => {
  it("runs at most `limit` at once and everything eventually", async () => {
    const sem = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sem.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await tick();
          await tick();
          running--;
          if (i === 5) throw new Error("five");
          return i;
        }).catch(() => -1),
      ),
    );
    expect(peak).toBe(3);
    expect(results.filter((r) => r >= 0)).toHaveLength(19);
    expect(sem.running).toBe(0);
  });

  it("rejects a limit below 1", () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
