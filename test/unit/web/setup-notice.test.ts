import { describe, expect, it } from "vitest";
import { setupNotice } from "../../../src/web/pages/setup.ts";

describe("the setup notice", () => {
  it("tells a newcomer in a clone to run commands with npx, as the README does", async () => {
    const text = String(await setupNotice(null, "/data"));
    expect(text).toContain("<code>npx gatebox validate gatebox.yaml</code>");
    expect(text).toContain("on its defaults (no config file)");
    expect(text).not.toContain("npm run gatebox --");
  });
});
