import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import Docker from "dockerode";
import type { ConsoleEvent } from "../../../src/logs/console-format.ts";
import { readConsole } from "../../../src/logs/console-reader.ts";

export const TEST_IMAGE = "gatebox-test/busybox:latest";

/** Fails loudly (never skips) when no engine answers or the test image is missing. */
export async function requireDocker(): Promise<Docker> {
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`No Docker engine answers on /var/run/docker.sock (run: bash scripts/ensure-docker.sh): ${err}`);
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`${TEST_IMAGE} is missing (run: bash scripts/ensure-docker.sh)`);
  }
  return docker;
}

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A workspace factory: a tar stream of the given files, made with the real `tar`. */
export function tarOf(files: Record<string, string>): { workspace: () => Readable; cleanup: () => void } {
  const t = tempDir("gatebox-ws-");
  for (const [path, content] of Object.entries(files)) {
    const full = join(t.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return {
    workspace: () => spawn("tar", ["-c", "-C", t.dir, "."], { stdio: ["ignore", "pipe", "inherit"] }).stdout!,
    cleanup: t.cleanup,
  };
}

export async function consoleEvents(path: string): Promise<ConsoleEvent[]> {
  return (await readConsole(path)).events;
}

/** Job output only ("o" and "e" events), concatenated. */
export function outputOf(events: ConsoleEvent[], kind: "o" | "e" | "oe" = "oe"): string {
  return events.filter((e) => kind.includes(e.kind)).map((e) => e.data).join("");
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let n = 0;
/** A build id unique across test files and runs. */
export function uniqueBuildId(tag: string): string {
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${n++}`;
}
