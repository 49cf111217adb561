import { describe, expect, it } from "vitest";
import { TRIMS_PER_SPELL, trimMemoryWhenQuiet } from "../../../src/server/memory.ts";

describe("trimMemoryWhenQuiet", () => {
  it("trims at the first quiet checks after start and after work (TRIMS_PER_SPELL of them), never while busy", async () => {
    let busy = false;
    let checks = 0;
    let trims = 0;
    const busyNow = () => {
      checks++;
      return busy;
    };
    const stop = trimMemoryWhenQuiet(busyNow, 5, () => trims++);
    // Waits for n more checks of the timer (however late a loaded machine runs them).
    const checksPass = async (n: number) => {
      const target = checks + n;
      while (checks < target) await Bun.sleep(2);
    };
    expect(TRIMS_PER_SPELL).toBe(3);
    await checksPass(5);
    expect(trims).toBe(3);
    busy = true;
    await checksPass(3);
    expect(trims).toBe(3);
    busy = false;
    await checksPass(5);
    expect(trims).toBe(6);
    stop();
    stop();
    const before = checks;
    await Bun.sleep(30);
    expect(checks).toBe(before);
  });
});
