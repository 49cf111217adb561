import { describe, expect, it } from "vitest";
import { Capacity } from "../../../src/executor/capacity.ts";

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("Capacity", () => {
  it("runs at most N, then by priority, FIFO within a priority", async () => {
    const cap = new Capacity(2);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    const take = (name: string, prio: number) =>
      cap.acquire(prio).then((rel) => {
        order.push(name);
        releases.set(name, rel);
      });
    void take("a", 5);
    void take("b", 5);
    void take("c", 5);
    void take("d", 1);
    void take("e", 1);
    void take("f", 0);
    await tick();
    expect(order).toEqual(["a", "b"]);
    expect(cap.running).toBe(2);
    expect(cap.queued).toBe(4);
    releases.get("a")!();
    releases.get("a")!(); // a second release must not free a second slot
    await tick();
    expect(order).toEqual(["a", "b", "f"]);
    releases.get("b")!();
    releases.get("f")!();
    await tick();
    expect(order).toEqual(["a", "b", "f", "d", "e"]);
    releases.get("d")!();
    await tick();
    expect(order).toEqual(["a", "b", "f", "d", "e", "c"]);
  });

  it("removes an aborted waiter without taking a slot", async () => {
    const cap = new Capacity(1);
    const rel = await cap.acquire();
    const ac = new AbortController();
    const waiting = cap.acquire(0, ac.signal);
    let later = false;
    void cap.acquire(0).then(() => {
      later = true;
    });
    ac.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    expect(cap.queued).toBe(1);
    rel();
    await tick();
    expect(later).toBe(true);
    expect(cap.running).toBe(1);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => new Capacity(0)).toThrow(RangeError);
    expect(() => new Capacity(1.5)).toThrow(RangeError);
  });
});
