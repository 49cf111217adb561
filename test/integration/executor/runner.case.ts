/**
 * The Runner contract, run through the Executor against every runner implementation
 * (docker-runner.test.ts, local-runner.test.ts). Each case gets a fresh Executor on the runner.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executor } from "../../../src/executor/executor.ts";
import type { JobSpec } from "../../../src/executor/job.ts";
import type { Runner } from "../../../src/executor/runner.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { consoleEvents, outputOf, sleep, TEST_IMAGE, tarOf, tempDir, uniqueBuildId } from "./helpers.ts";
import { runJobCases } from "./runner-jobs.case.ts";

export interface RunnerCaseSetup {
  name: string;
  makeRunner: () => Promise<Runner>;
  /** True when nothing of the build is left: no container (docker), no process or dir (local). */
  isGone: (buildId: string) => Promise<boolean>;
}

export function runRunnerContract(setup: RunnerCaseSetup): void {
  describe(`Runner contract: ${setup.name}`, () => {
    let runner: Runner;
    let logs: ReturnType<typeof tempDir>;
    let hub: ConsoleHub;
    const executor = (capacity = 4) => new Executor({ runner, consoles: hub, capacity, retryDelayMs: () => 0 });
    const job = (run: string, extra: Partial<JobSpec> = {}): JobSpec => ({ image: TEST_IMAGE, run, ...extra });

    beforeAll(async () => {
      runner = await setup.makeRunner();
      logs = tempDir("gatebox-logs-");
      hub = new ConsoleHub(logs.dir);
    });
    afterAll(() => logs.cleanup());

    it("exit 0 is SUCCESS, with the output stored", async () => {
      const h = executor().startBuild({ buildId: uniqueBuildId("pass"), itemId: "i1", job: job("echo hello; echo world") });
      const o = await h.outcome;
      expect(o.result).toBe("SUCCESS");
      expect(o.exitCode).toBe(0);
      expect(o.attempts).toBe(1);
      const events = await consoleEvents(o.logPath);
      expect(outputOf(events)).toBe("hello\nworld\n");
      expect(events.at(-1)).toMatchObject({ kind: "x", data: "SUCCESS" });
      expect(await setup.isGone(h.buildId)).toBe(true);
    });

    it("a non-zero exit is FAILURE with its code", async () => {
      const o = await executor().startBuild({ buildId: uniqueBuildId("fail"), itemId: "i1", job: job("echo oops >&2; exit 3") }).outcome;
      expect(o.result).toBe("FAILURE");
      expect(o.exitCode).toBe(3);
      expect(o.attempts).toBe(1);
      expect(outputOf(await consoleEvents(o.logPath))).toBe("oops\n");
    });

    it("over the timeout is TIMED_OUT and the build is killed", async () => {
      const t0 = Date.now();
      const h = executor().startBuild({ buildId: uniqueBuildId("timeout"), itemId: "i1", job: job("echo start; sleep 30", { timeout: 1 }) });
      const o = await h.outcome;
      expect(o.result).toBe("TIMED_OUT");
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(await setup.isGone(h.buildId)).toBe(true);
    });

    it("cancel mid-run is ABORTED, and the build is gone in under a second", async () => {
      const h = executor().startBuild({ buildId: uniqueBuildId("cancel"), itemId: "i1", job: job("echo started; sleep 30") });
      const started = new Promise<void>((resolve) => {
        const sub = hub.subscribe(h.buildId, (ev) => {
          if (ev.data.includes("started")) {
            sub.unsubscribe();
            resolve();
          }
        });
      });
      await started;
      const t0 = performance.now();
      await h.cancel();
      const cancelMs = performance.now() - t0;
      expect(cancelMs).toBeLessThan(1000);
      expect(await setup.isGone(h.buildId)).toBe(true);
      const o = await h.outcome;
      expect(o.result).toBe("ABORTED");
      await h.cancel(); // idempotent
      expect((await consoleEvents(o.logPath)).at(-1)).toMatchObject({ kind: "x", data: "ABORTED" });
    });

    it("keeps the exact order of interleaved stdout and stderr (merged by default)", async () => {
      const script = 'i=0; while [ $i -lt 300 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done';
      const o = await executor().startBuild({ buildId: uniqueBuildId("order"), itemId: "i1", job: job(script) }).outcome;
      expect(o.result).toBe("SUCCESS");
      const want = Array.from({ length: 300 }, (_, i) => `out ${i}\nerr ${i}\n`).join("");
      expect(outputOf(await consoleEvents(o.logPath), "o")).toBe(want);
    });

    it("with separateStderr marks stderr apart, each stream in order", async () => {
      const script = 'i=0; while [ $i -lt 100 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done';
      const o = await executor().startBuild({
        buildId: uniqueBuildId("sep"), itemId: "i1", job: job(script, { separateStderr: true }),
      }).outcome;
      const events = await consoleEvents(o.logPath);
      expect(outputOf(events, "o")).toBe(Array.from({ length: 100 }, (_, i) => `out ${i}\n`).join(""));
      expect(outputOf(events, "e")).toBe(Array.from({ length: 100 }, (_, i) => `err ${i}\n`).join(""));
    });

    it("copies the workspace into the workdir and passes env", async () => {
      const ws = tarOf({ "README": "hello from the workspace\n", "src/a.txt": "nested\n" });
      try {
        const o = await executor().startBuild({
          buildId: uniqueBuildId("ws"), itemId: "i1", workspace: ws.workspace,
          job: job('cat README src/a.txt; echo "$GREETING"', { env: { GREETING: "hi there" } }),
        }).outcome;
        expect(o.result).toBe("SUCCESS");
        expect(outputOf(await consoleEvents(o.logPath))).toBe("hello from the workspace\nnested\nhi there\n");
      } finally {
        ws.cleanup();
      }
    });

    it("runs at most `capacity` builds at once", async () => {
      const ex = executor(1);
      const a = ex.startBuild({ buildId: uniqueBuildId("capA"), itemId: "i1", job: job("sleep 1") });
      const b = ex.startBuild({ buildId: uniqueBuildId("capB"), itemId: "i2", job: job("true") });
      expect(ex.load).toEqual({ running: 1, queued: 1 });
      const [oa, ob] = await Promise.all([a.outcome, b.outcome]);
      expect(oa.result).toBe("SUCCESS");
      expect(ob.result).toBe("SUCCESS");
      expect(ob.startedAt!).toBeGreaterThanOrEqual(oa.finishedAt - 50);
    });

    it("cancelling a queued build never starts it", async () => {
      const ex = executor(1);
      const a = ex.startBuild({ buildId: uniqueBuildId("qA"), itemId: "i1", job: job("sleep 1") });
      const b = ex.startBuild({ buildId: uniqueBuildId("qB"), itemId: "i2", job: job("echo should-not-run") });
      await sleep(50);
      await b.cancel();
      const ob = await b.outcome;
      expect(ob.result).toBe("ABORTED");
      expect(ob.startedAt).toBeNull();
      expect(outputOf(await consoleEvents(ob.logPath))).toBe("");
      expect((await a.outcome).result).toBe("SUCCESS");
    });
  });
  runJobCases(setup);
}
