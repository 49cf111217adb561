/**
 * `bun run build`: refreshes the embedded migrations and UI assets, then compiles the single
 * binary dist/gatebox with `bun build --compile` (nothing needs to sit beside it).
 */
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderAssets } from "./embed-assets.ts";
import { renderEmbedded } from "./embed-migrations.ts";

const root = join(import.meta.dir, "..");
writeFileSync(join(root, "src/store/migrations.gen.ts"), renderEmbedded(join(root, "migrations")));
writeFileSync(join(root, "src/web/assets.gen.ts"), renderAssets(join(root, "web")));

const out = join(root, "dist/gatebox");
const result = spawnSync(
  process.execPath,
  // cpu-features is an optional native addon of ssh2 (through dockerode), loaded in a try/catch and
  // never built here (install scripts are off): leave it out of the bundle. --bytecode: the code is
  // compiled ahead of time, so a command does not parse the whole bundle first (`gatebox version`
  // 90 ms → 10 ms; bench/binary/startup.ts).
  ["build", "--compile", "--minify", "--bytecode", "--external", "cpu-features", join(root, "src/cli/main.ts"), "--outfile", out],
  { stdio: "inherit", cwd: root },
);
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`dist/gatebox: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB`);
