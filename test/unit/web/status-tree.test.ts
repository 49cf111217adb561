import { describe, expect, it } from "vitest";
import { layoutQueue } from "../../../src/web/status-tree.ts";

const shape = (nodes: ReturnType<typeof layoutQueue>) => nodes.map((n) => `${"  ".repeat(n.depth)}${n.branch ? "↳" : ""}${n.key}<${n.parent ?? "tip"}`);

describe("layoutQueue", () => {
  it("draws a straight line when nothing fails", () => {
    expect(shape(layoutQueue([{ key: "A", ahead: null }, { key: "B", ahead: "A" }, { key: "C", ahead: "B" }]))).toEqual(["A<tip", "B<A", "C<B"]);
  });

  it("branches a failing item off the line: the items behind skip it", () => {
    const nodes = layoutQueue([
      { key: "A", ahead: null },
      { key: "B", ahead: "A" }, // failing
      { key: "C", ahead: "A" },
      { key: "D", ahead: "C" },
    ]);
    expect(shape(nodes)).toEqual(["A<tip", "  ↳B<A", "C<A", "D<C"]);
    expect(nodes[0]!.children).toEqual(["B", "C"]);
  });

  it("branches a failing head off the branch tip, and nests branches", () => {
    const nodes = layoutQueue([
      { key: "A", ahead: null }, // failing head
      { key: "B", ahead: null },
      { key: "C", ahead: "B" }, // failing
      { key: "D", ahead: "B" },
    ]);
    expect(shape(nodes)).toEqual(["  ↳A<tip", "B<tip", "  ↳C<B", "D<B"]);
  });

  it("hangs items outside the window in queue order behind the item ahead, not off the branch tip", () => {
    // Window 1: only the head is tested; B and C have no state yet (ahead: null means nothing then).
    const nodes = layoutQueue([
      { key: "A", ahead: null },
      { key: "B", ahead: null, tested: false },
      { key: "C", ahead: null, tested: false },
    ]);
    expect(shape(nodes)).toEqual(["A<tip", "B<A", "C<B"]);
    expect(nodes.some((n) => n.branch)).toBe(false);
  });

  it("hangs a waiting item behind the nearest non-failing item, so failing ones still branch off", () => {
    expect(
      shape(
        layoutQueue([
          { key: "A", ahead: null, failing: true }, // failing head
          { key: "B", ahead: null },
          { key: "C", ahead: "B", failing: true },
          { key: "D", ahead: null, tested: false },
          { key: "E", ahead: null, failing: true, tested: false }, // its dependency failed, never tested
          { key: "F", ahead: null, tested: false },
        ]),
      ),
    ).toEqual(["  ↳A<tip", "B<tip", "  ↳C<B", "D<B", "  ↳E<D", "F<D"]);
    // Nothing non-failing ahead: a waiting item starts the line itself.
    expect(shape(layoutQueue([{ key: "A", ahead: null, failing: true }, { key: "B", ahead: null, tested: false }]))).toEqual(["  ↳A<tip", "B<tip"]);
  });

  it("never continues the line with a failing item, even the last one", () => {
    expect(shape(layoutQueue([{ key: "A", ahead: null }, { key: "B", ahead: "A", failing: true }]))).toEqual(["A<tip", "  ↳B<A"]);
  });

  it("is flat for independent queues and survives unknown or cyclic parents", () => {
    expect(shape(layoutQueue([{ key: "A", ahead: null }, { key: "B", ahead: "A" }], false))).toEqual(["A<tip", "B<tip"]);
    expect(shape(layoutQueue([{ key: "A", ahead: "Z" }]))).toEqual(["A<tip"]);
    expect(layoutQueue([{ key: "A", ahead: "B" }, { key: "B", ahead: "A" }]).map((n) => n.key).sort()).toEqual(["A", "B"]);
  });
});
