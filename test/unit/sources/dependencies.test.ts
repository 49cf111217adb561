import { describe, expect, it } from "vitest";
import { type DependencyLookup, resolveDependencies } from "../../../src/sources/dependencies.ts";
import type { Change } from "../../../src/scheduler/types.ts";
import type { ChangeStatus, Dependency } from "../../../src/sources/source.ts";

const url = (n: number): Dependency => ({ kind: "url", url: `http://127.0.0.1:1/c/p/+/${n}`, host: "127.0.0.1:1", number: n });
const record = (n: number): Change => ({ id: String(n), project: "p", branch: "main", dependsOn: [] });

function lookup(changes: Record<number, { status: ChangeStatus; deps?: Dependency[]; changeId?: string }>): DependencyLookup {
  return {
    async change(number) {
      const c = changes[number];
      if (!c) throw new Error(`no change ${number}`);
      return { status: c.status, record: record(number), dependsOn: c.deps ?? [] };
    },
    async openByChangeId(changeId) {
      return Object.entries(changes)
        .filter(([, c]) => c.changeId === changeId && c.status === "NEW")
        .map(([n]) => Number(n));
    },
  };
}

describe("Depends-On resolution", () => {
  it("leaves merged dependencies out and follows open ones transitively", async () => {
    const l = lookup({ 2: { status: "NEW", deps: [url(3), url(4)] }, 3: { status: "MERGED" }, 4: { status: "NEW", deps: [url(5)] }, 5: { status: "NEW" } });
    const r = await resolveDependencies(record(1), [url(2), url(3)], l);
    expect(r.dependsOn).toEqual(["2"]);
    expect(r.needs.map((c) => c.id)).toEqual(["2", "4", "5"]);
  });

  it("resolves a Change-Id to every open change carrying it", async () => {
    const id = `I${"a".repeat(40)}`;
    const l = lookup({ 7: { status: "NEW", changeId: id }, 8: { status: "NEW", changeId: id }, 9: { status: "ABANDONED", changeId: id } });
    const r = await resolveDependencies(record(1), [{ kind: "change-id", changeId: id }], l);
    expect(r.dependsOn).toEqual(["7", "8"]);
  });

  it("keeps an abandoned direct dependency (the gate refuses the change and says why) but needs nothing of it", async () => {
    const r = await resolveDependencies(record(1), [url(2)], lookup({ 2: { status: "ABANDONED", deps: [url(3)] }, 3: { status: "NEW" } }));
    expect(r).toEqual({ dependsOn: ["2"], needs: [] });
  });

  it("survives a cycle back to the change itself", async () => {
    const r = await resolveDependencies(record(1), [url(2)], lookup({ 1: { status: "NEW" }, 2: { status: "NEW", deps: [url(1)] } }));
    expect(r).toEqual({ dependsOn: ["2"], needs: [record(2)] });
  });
});
