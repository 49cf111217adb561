import { expect, it } from "vitest";
import { ExecutorPool } from "../../../src/executor/pool.ts";
import type { BuildHandle, BuildRequest, Executor } from "../../../src/executor/executor.ts";

function fake(name: string, slots: number, running: number, started: string[]) {
  const executor = {
    name,
    slots,
    load: { running, queued: 0 },
    startBuild(req: BuildRequest): BuildHandle {
      started.push(`${name}:${req.buildId}`);
      executor.load.running += 1;
      return { buildId: req.buildId, outcome: new Promise(() => {}), cancel: async () => {} };
    },
    reattach: async (id: string) => (name === "b" && id === "7" ? ({ buildId: id } as BuildHandle) : null),
    cleanupOrphans: async () => [`${name}-orphan`],
  };
  return executor as unknown as Executor;
}

it("spreads builds to the least loaded engine, honours a job's executor, and asks every engine after a restart", async () => {
  const started: string[] = [];
  const pool = new ExecutorPool([fake("a", 4, 2, started), fake("b", 2, 0, started)]);
  expect(pool.capacity).toBe(6);
  const req = (id: string) => ({ buildId: id, itemId: "1", job: { image: "i", run: "true" } });
  pool.startBuild(req("1")); // a: 2/4, b: 0/2 → b
  pool.startBuild(req("2")); // a: 2/4, b: 1/2 → a (equal load: first wins)
  pool.startBuild(req("3"), "b");
  expect(started).toEqual(["b:1", "a:2", "b:3"]);
  expect((await pool.reattach("7", { image: "i", run: "true" }))?.buildId).toBe("7");
  expect(await pool.reattach("8", { image: "i", run: "true" })).toBeNull();
  expect(await pool.cleanupOrphans(() => false)).toEqual(["a-orphan", "b-orphan"]);
});
