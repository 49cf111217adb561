import { spawnSync } from "node:child_process";
import { join } from "node:path";

/**
 * Before any test: make sure a Docker engine answers and the local test image exists (starting
 * dockerd when needed, as root). Tests that need Docker then fail loudly if it still is not there;
 * they never skip.
 */
export default function setup(): void {
  const script = join(import.meta.dirname, "../../scripts/ensure-docker.sh");
  const r = spawnSync("bash", [script], { encoding: "utf8", timeout: 180_000 });
  if (r.status !== 0) {
    process.stderr.write(`test setup: ${script} failed; Docker tests will fail:\n${r.stderr}\n`);
  }
}
