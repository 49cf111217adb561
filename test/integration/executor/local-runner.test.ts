import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll } from "vitest";
import { LocalRunner } from "../../../src/executor/local/local-runner.ts";
import { tempDir } from "./helpers.ts";
import { runRunnerContract } from "./runner.case.ts";

const base = tempDir("gatebox-local-");
const instance = `local-${process.pid}`;
afterAll(() => base.cleanup());

runRunnerContract({
  name: "LocalRunner",
  makeRunner: async () => new LocalRunner({ instance, baseDir: base.dir }),
  isGone: async (buildId) => !existsSync(join(base.dir, `${instance}-${buildId}`)),
});
