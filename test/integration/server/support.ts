import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import type { GateboxConfig } from "../../../src/config/model.ts";
import { type RunningServer, type ServerOptions, startServer } from "../../../src/server/server.ts";
import { GerritSimulator } from "../../support/gerrit/simulator.ts";

/**
 * A real server in process against the Gerrit simulator (project org/p), in a temp dir: what the
 * server tests share. Call once per file; each test's server, simulator and dir go after it.
 */
export function serverPerTest(name: string): {
  /** The simulator and a config whose Gerrit connection points at it; `rest` is the rest of the YAML. */
  setUp(rest: string, connection?: string, files?: Record<string, string>): Promise<{ sim: GerritSimulator; dir: string; config: GateboxConfig }>;
  start(config: GateboxConfig, extra?: Partial<ServerOptions>): Promise<RunningServer>;
  /** A temp dir removed after the test (for a server without Gerrit). */
  tempDir(): string;
} {
  let dir = "";
  let server: RunningServer | null = null;
  let sim: GerritSimulator | null = null;
  afterEach(async () => {
    await server?.stop();
    await sim?.stop();
    server = null;
    sim = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    async setUp(rest, connection = "poll-interval: 1s", files) {
      dir = mkdtempSync(join(tmpdir(), `gatebox-${name}-`));
      sim = await GerritSimulator.start();
      await sim.createProject("org/p", files ? { files } : {});
      const env = `GATEBOX_TEST_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_PW`;
      process.env[env] = sim.ci.password;
      const config = parseConfig(
        join(dir, "gatebox.yaml"),
        `
data-dir: ${join(dir, "data")}
connections: {gerrit: {url: "${sim.url}", user: ${sim.ci.username}, password: {env: ${env}}, ${connection}}}
${rest}`,
      );
      return { sim, dir, config };
    },
    tempDir() {
      dir = mkdtempSync(join(tmpdir(), `gatebox-${name}-`));
      return dir;
    },
    async start(config, extra = {}) {
      server = await startServer({ config, listen: { host: "127.0.0.1", port: 0 }, consoleListen: null, log: () => {}, ...extra });
      return server;
    },
  };
}

/** A config holding one gate (Code-Review +2 and Workflow +1, votes Verified ±2, submits) whose job `unit` runs `run` for org/p. */
export function gateOnlyConfig(run: string): string {
  return `
pipelines:
  - name: gate
    manager: dependent
    trigger: {gerrit: [{event: comment-added, approval: {Workflow: 1}}]}
    require: {gerrit: {approvals: {Code-Review: 2, Workflow: 1}}}
    success: {gerrit: {labels: {Verified: 2}, submit: true}}
    failure: {gerrit: {labels: {Verified: -2}}}
jobs: [{name: unit, image: gatebox-test/busybox:latest, run: ${JSON.stringify(run)}}]
projects: [{name: org/p, gate: {jobs: [unit]}}]
`;
}
