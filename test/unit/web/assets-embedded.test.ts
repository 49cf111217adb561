import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { renderAssets } from "../../../scripts/embed-assets.ts";

it("src/web/assets.gen.ts matches web/ (run scripts/embed-assets.ts after editing web/)", () => {
  const root = join(import.meta.dirname, "../../..");
  expect(readFileSync(join(root, "src/web/assets.gen.ts"), "utf8")).toBe(renderAssets(join(root, "web")));
});
