import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { renderEmbedded } from "../../../scripts/embed-migrations.ts";

it("src/store/migrations.gen.ts matches migrations/ (run scripts/embed-migrations.ts after drizzle-kit generate)", () => {
  const root = join(import.meta.dirname, "../../..");
  const current = readFileSync(join(root, "src/store/migrations.gen.ts"), "utf8");
  expect(current).toBe(renderEmbedded(join(root, "migrations")));
});
