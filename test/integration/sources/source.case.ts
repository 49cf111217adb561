/**
 * The Source contract (src/sources/source.ts), as a reusable suite: any Source implementation calls
 * `runSourceContract` with a harness that can make its backing system produce activity.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type EventSink, MemoryStateStore, type Source, type TriggerEvent } from "../../../src/sources/source.ts";

export interface SourceHarness<S> {
  /** A new Source on `store` delivering to `sink`; `intervalMs` for run(). */
  makeSource(store: MemoryStateStore<S>, sink: EventSink, intervalMs: number): Source;
  /** Creates a change in a watched project; returns its number. */
  upload(): Promise<number>;
  /** A human comment on the change. */
  comment(number: number, text: string): Promise<void>;
  teardown(): Promise<void>;
}

export function runSourceContract<S>(name: string, setup: () => Promise<SourceHarness<S>>): void {
  describe(`Source contract: ${name}`, () => {
    let h: SourceHarness<S> | undefined;
    afterEach(async () => {
      await h?.teardown();
      h = undefined;
    });

    const collecting = () => {
      const got: TriggerEvent[] = [];
      const sink: EventSink = async (events) => {
        got.push(...events);
      };
      return { got, sink };
    };

    it("stop() is idempotent and safe before start(); poll() before start() rejects", async () => {
      h = await setup();
      const { sink } = collecting();
      const s = h.makeSource(new MemoryStateStore<S>(), sink, 1000);
      await s.stop();
      await expect(s.poll()).rejects.toThrow();
      await s.stop();
    });

    it("concurrent polls are serialised: each event is delivered once", async () => {
      h = await setup();
      const { got, sink } = collecting();
      const s = h.makeSource(new MemoryStateStore<S>(), sink, 1000);
      await s.start();
      await s.poll();
      const n = await h.upload();
      const [a, b] = await Promise.all([s.poll(), s.poll()]);
      expect([...a, ...b].map((e) => [e.type, e.change.number])).toEqual([["patchset-created", n]]);
      expect(got).toHaveLength(1);
      await s.stop();
    });

    it("events returned by poll() are the events given to the sink, and the store is saved", async () => {
      h = await setup();
      const { got, sink } = collecting();
      const store = new MemoryStateStore<S>();
      const s = h.makeSource(store, sink, 1000);
      await s.start();
      await s.poll();
      const saves = store.saves;
      const n = await h.upload();
      await h.comment(n, "recheck");
      const events = await s.poll();
      expect(events).toEqual(got);
      expect(events.map((e) => e.type)).toEqual(["patchset-created", "comment-added"]);
      expect(events[1]!.comment).toBe("recheck");
      expect(store.saves).toBeGreaterThan(saves);
      await s.stop();
    });

    it("a clean restart on the same store neither misses nor repeats", async () => {
      h = await setup();
      const store = new MemoryStateStore<S>();
      const first = collecting();
      const s1 = h.makeSource(store, first.sink, 1000);
      await s1.start();
      await s1.poll();
      const n = await h.upload();
      await s1.poll();
      await s1.stop();
      await h.comment(n, "while down");
      const second = collecting();
      const s2 = h.makeSource(store, second.sink, 1000);
      await s2.start();
      await s2.poll();
      await s2.poll();
      expect(first.got.map((e) => e.type)).toEqual(["patchset-created"]);
      expect(second.got.map((e) => [e.type, e.comment])).toEqual([["comment-added", "while down"]]);
      await s2.stop();
    });

    it("run() polls on its own until stop()", async () => {
      h = await setup();
      const { got, sink } = collecting();
      const s = h.makeSource(new MemoryStateStore<S>(), sink, 50);
      await s.start();
      s.run();
      await new Promise((r) => setTimeout(r, 150)); // the baseline poll
      const n = await h.upload();
      const deadline = Date.now() + 5000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await s.stop();
      expect(got.map((e) => [e.type, e.change.number])).toEqual([["patchset-created", n]]);
      const after = got.length;
      await h.comment(n, "after stop");
      await new Promise((r) => setTimeout(r, 200));
      expect(got.length).toBe(after);
    });
  });
}
