/**
 * What a team's job may ask for, the same on every runner: secrets (given, never shown), a start
 * directory, an output limit, artifacts. Run by runner.case.ts for each runner.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executor } from "../../../src/executor/executor.ts";
import type { JobSpec } from "../../../src/executor/job.ts";
import type { Runner } from "../../../src/executor/runner.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { consoleEvents, outputOf, TEST_IMAGE, tarOf, tempDir, uniqueBuildId } from "./helpers.ts";
import type { RunnerCaseSetup } from "./runner.case.ts";

const MIB = 1024 * 1024;

export function runJobCases(setup: RunnerCaseSetup): void {
  describe(`Jobs a team can write: ${setup.name}`, () => {
    let runner: Runner;
    let logs: ReturnType<typeof tempDir>;
    let kept: ReturnType<typeof tempDir>;
    let hub: ConsoleHub;
    const executor = () => new Executor({ runner, consoles: hub, capacity: 2, retryDelayMs: () => 0, artifactsDir: kept.dir });
    const job = (run: string, extra: Partial<JobSpec> = {}): JobSpec => ({ image: TEST_IMAGE, run, ...extra });
    const infoOf = async (path: string) => (await consoleEvents(path)).filter((e) => e.kind === "i").map((e) => e.data).join("\n");

    beforeAll(async () => {
      runner = await setup.makeRunner();
      logs = tempDir("gatebox-logs-");
      kept = tempDir("gatebox-kept-");
      hub = new ConsoleHub(logs.dir);
    });
    afterAll(() => {
      logs.cleanup();
      kept.cleanup();
    });

    it("gives the job its secrets and never shows them, not even split across two writes", async () => {
      const script = 'test "$TOKEN" = s3cret && echo "token is $TOKEN"; printf s3c; sleep 0.2; printf "ret\\n"; echo "$PLAIN"';
      const o = await executor().startBuild({
        buildId: uniqueBuildId("secret"), itemId: "i1",
        job: job(script, { env: { TOKEN: "overridden", PLAIN: "visible" }, secrets: { TOKEN: "s3cret" } }),
      }).outcome;
      expect(o.result).toBe("SUCCESS");
      expect(outputOf(await consoleEvents(o.logPath))).toBe("token is ***\n***\nvisible\n");
      expect(readFileSync(o.logPath, "utf8")).not.toContain("s3cret");
    });

    it("starts the script in startDir", async () => {
      const ws = tarOf({ "sub/marker": "in sub\n" });
      try {
        const o = await executor().startBuild({
          buildId: uniqueBuildId("startdir"), itemId: "i1", workspace: ws.workspace,
          job: job('cat marker; test "$PWD" = "$START" && echo "same place"', { startDir: "/work/sub", env: { START: "/work/sub" } }),
        }).outcome;
        expect(outputOf(await consoleEvents(o.logPath))).toBe("in sub\nsame place\n");
        expect(o.result).toBe("SUCCESS");
      } finally {
        ws.cleanup();
      }
    });

    it("stops a job that prints past its output limit: FAILURE, long before its timeout", async () => {
      const t0 = Date.now();
      const h = executor().startBuild({ buildId: uniqueBuildId("yes"), itemId: "i1", job: job("yes", { outputLimit: MIB, timeout: 120 }) });
      const o = await h.outcome;
      expect(o.result).toBe("FAILURE");
      expect(o.message).toBe(`output limit exceeded (${MIB} bytes)`);
      expect(o.exitCode).toBeNull();
      expect(Date.now() - t0).toBeLessThan(20_000);
      // JSON escapes each "\n": "y\n" is stored as 4 bytes of the line, so twice the limit plus the lines' frames.
      expect(statSync(o.logPath).size).toBeLessThan(2 * MIB + 64 * 1024);
      expect(outputOf(await consoleEvents(o.logPath)).length).toBe(MIB);
      expect(await infoOf(o.logPath)).toMatch(/output limit exceeded \(1048576 bytes\); killing the build/);
      expect(await setup.isGone(h.buildId)).toBe(true);
    });

    it("copies the artifacts of a failed job out, listed sorted", async () => {
      // A name past ustar's 100 bytes comes as a PAX (Docker) or GNU (tar) long name.
      const script = 'mkdir -p "$DIR/sub" && echo report > "$DIR/report.txt" && echo "{}" > "$DIR/sub/x.json" && echo l > "$DIR/sub/$(printf %0150d 0)"; exit 1';
      const h = executor().startBuild({
        buildId: uniqueBuildId("art"), itemId: "i1",
        job: job(script, { env: { DIR: "/work/out" }, artifacts: { dir: "/work/out", limit: MIB } }),
      });
      const o = await h.outcome;
      expect(o.result).toBe("FAILURE");
      expect(o.exitCode).toBe(1);
      const long = `sub/${"0".repeat(150)}`;
      expect(o.artifacts).toEqual([{ path: "report.txt", size: 7 }, { path: long, size: 2 }, { path: "sub/x.json", size: 3 }]);
      expect(o.artifactsDropped).toBe(0);
      expect(readFileSync(join(kept.dir, h.buildId, "sub", "x.json"), "utf8")).toBe("{}\n");
      expect(await setup.isGone(h.buildId)).toBe(true);
    });

    it("keeps artifacts up to the limit, dropping the rest, and follows no symlink", async () => {
      const script = [
        'head -c 60 /dev/zero > "$DIR/a"; head -c 60 /dev/zero > "$DIR/b"; echo small > "$DIR/c"',
        'ln -s /etc/passwd "$DIR/leak"; ln -s / "$DIR/root"',
      ].join("; ");
      const h = executor().startBuild({
        buildId: uniqueBuildId("artlim"), itemId: "i1",
        job: job(script, { env: { DIR: "/gatebox/artifacts" }, artifacts: { dir: "/gatebox/artifacts", limit: 100 } }),
      });
      const o = await h.outcome;
      expect(o.result).toBe("SUCCESS");
      expect(o.artifactsDropped).toBe(1);
      expect(o.artifacts).toHaveLength(2);
      expect(o.artifacts.map((f) => f.path)).toContain("c");
      expect(o.artifacts.reduce((n, f) => n + f.size, 0)).toBeLessThanOrEqual(100);
      expect(readdirSync(join(kept.dir, h.buildId)).sort()).toEqual(o.artifacts.map((f) => f.path));
      const info = await infoOf(o.logPath);
      expect(info).toMatch(/skipped leak \(a symlink/);
      expect(info).toMatch(/1 dropped over the limit of 100 bytes/);
    });

    it("a console that cannot be written mid-build ends it RETRY_LIMIT (ours), keeping no artifacts", async () => {
      const buildId = uniqueBuildId("fulldisk");
      // The real writer, whose file system starts failing once the job prints "more".
      const fullDisk = new (class extends ConsoleHub {
        override open(id: string, secrets?: Iterable<string>) {
          const w = super.open(id, secrets);
          const writer = w as unknown as { append: (line: string) => void };
          const append = writer.append.bind(w);
          writer.append = (line) => {
            if (line.includes("more")) throw new Error("ENOSPC: no space left on device, write");
            append(line);
          };
          return w;
        }
      })(logs.dir);
      const ex = new Executor({ runner, consoles: fullDisk, capacity: 1, retryDelayMs: () => 0, artifactsDir: kept.dir });
      const h = ex.startBuild({
        buildId, itemId: "i1",
        job: job('echo x > "$DIR/x"; echo started; sleep 0.5; echo more; sleep 30', { env: { DIR: "/work/out" }, artifacts: { dir: "/work/out", limit: MIB } }),
      });
      const o = await h.outcome;
      expect(o.result).toBe("RETRY_LIMIT");
      expect(o.message).toMatch(/cannot write the build's console \(disk full\?\), not the change's fault: .*ENOSPC/);
      expect(o.artifacts).toEqual([]);
      expect(outputOf(await consoleEvents(o.logPath))).toBe("started\n");
      expect(await setup.isGone(buildId)).toBe(true);
    });

    it("copies artifacts when the job timed out, and none when it was cancelled", async () => {
      const artifacts = { dir: "/work/out", limit: MIB };
      const env = { DIR: "/work/out" };
      const timedOut = await executor().startBuild({
        buildId: uniqueBuildId("arttime"), itemId: "i1", job: job('echo partial > "$DIR/p.txt"; sleep 30', { timeout: 1, env, artifacts }),
      }).outcome;
      expect(timedOut.result).toBe("TIMED_OUT");
      expect(timedOut.artifacts).toEqual([{ path: "p.txt", size: 8 }]);
      const h = executor().startBuild({ buildId: uniqueBuildId("artcancel"), itemId: "i1", job: job('echo x > "$DIR/x"; sleep 30', { env, artifacts }) });
      await new Promise((r) => setTimeout(r, 1500));
      await h.cancel();
      const o = await h.outcome;
      expect(o.result).toBe("ABORTED");
      expect(o.artifacts).toEqual([]);
      expect(existsSync(join(kept.dir, h.buildId))).toBe(false);
    });
  });
}
