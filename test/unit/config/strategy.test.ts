import { describe, expect, it } from "vitest";
import { layoutFromConfig } from "../../../src/driver/layout.ts";
import { accepted, problems, withValues } from "./support.ts";

describe("pipeline strategy", () => {
  it("is zuul by default, adaptive when asked, and reaches the scheduler's layout", () => {
    expect(accepted(withValues()).pipelines[0]?.strategy).toBe("zuul");
    expect(layoutFromConfig(accepted(withValues())).pipelines[0]?.strategy).toBeUndefined();
    const adaptive = accepted(withValues({ pipeline: "strategy: adaptive" }));
    expect(adaptive.pipelines[0]?.strategy).toBe("adaptive");
    expect(layoutFromConfig(adaptive).pipelines[0]?.strategy).toBe("adaptive");
  });

  it("refuses an unknown strategy, and a strategy on a pipeline that is not dependent", () => {
    expect(problems(withValues({ pipeline: "strategy: fastest" })).join("\n")).toMatch(/gatebox\.yaml:\d+: pipelines\[0\]\.strategy: .*zuul.*adaptive/);
    const independent = withValues({ pipeline: "strategy: adaptive" }).replace("manager: dependent", "manager: independent");
    expect(problems(independent).join("\n")).toMatch(/pipelines\[0\]\.strategy: only dependent pipelines have a strategy/);
  });
});
