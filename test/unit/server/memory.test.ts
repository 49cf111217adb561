import { describe, expect, it } from "vitest";
import { trimMemoryWhenQuiet } from "../../../src/server/memory.ts";

describe("trimMemoryWhenQuiet", () => {
  it("trims once at start, never while busy, and once per quiet spell after work", async () => {
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
    await checksPass(3);
    expect(trims).toBe(1);
    busy = true;
    await checksPass(3);
    expect(trims).toBe(1);
    busy = false;
    await checksPass(3);
    expect(trims).toBe(2);
    stop();
    stop();
    const before = checks;
    await Bun.sleep(30);
    expect(checks).toBe(before);
  });
});
