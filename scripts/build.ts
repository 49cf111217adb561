/**
 * `bun run build`: refreshes the embedded migrations and UI assets, then compiles the single
 * binary dist/gatebox with `Bun.build({ compile })` (nothing needs to sit beside it).
 */
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderAssets } from "./embed-assets.ts";
import { renderEmbedded } from "./embed-migrations.ts";

const root = join(import.meta.dir, "..");
writeFileSync(join(root, "src/store/migrations.gen.ts"), renderEmbedded(join(root, "migrations")));
writeFileSync(join(root, "src/web/assets.gen.ts"), renderAssets(join(root, "web")));

const out = join(root, "dist/gatebox");
const result = await Bun.build({
  entrypoints: [join(root, "src/cli/main.ts")],
  compile: { outfile: out },
  minify: true,
  // Compiled ahead of time, so a command does not parse the whole bundle first (`gatebox version`
  // 90 ms → 10 ms; bench/binary/startup.ts).
  bytecode: true,
  // An optional native addon of ssh2 (through dockerode), loaded in a try/catch and never built
  // here (install scripts are off).
  external: ["cpu-features"],
  plugins: [
    {
      // dockerode's BuildKit session support, unused, loads gRPC and protobuf at startup.
      name: "no-buildkit-session",
      setup(build) {
        build.onResolve({ filter: /^\.\/session$/ }, (args) =>
          /[\\/]dockerode[\\/]lib[\\/]/.test(args.importer) ? { path: join(import.meta.dir, "stubs/dockerode-session.cjs") } : undefined,
        );
      },
    },
  ],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`dist/gatebox: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB`);
