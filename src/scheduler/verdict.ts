import type { FailKind } from "./buildset.ts";
import type { Core } from "./core.ts";
import type { Item } from "./state.ts";
import type { ReportResult } from "./types.ts";

/** Verdicts shared by the strategies' walks: whether a dependency fails an item, and what to report. */

export function dependencyFailing(core: Core, item: Item): boolean {
  for (const dep of item.change.dependsOn) {
    if (core.merged.has(dep)) continue;
    const d = core.itemOf(item.pipeline, dep);
    if (d && d.queueKey === item.queueKey && d.failing) return true;
  }
  return false;
}

export function failure(kind: FailKind, item: Item): [ReportResult, string] {
  const bs = item.buildset;
  const named = (statuses: string[]) =>
    (bs?.jobs ?? []).filter((r) => statuses.includes(r.status)).map((r) => r.name).join(", ");
  switch (kind) {
    case "conflict":
      return ["merge-conflict", `merge conflict${bs?.mergeReason ? `: ${bs.mergeReason}` : ""}`];
    case "vote":
      return [-1, `failed: ${named(["FAILURE", "TIMED_OUT"])}`];
    case "error":
      return bs?.merge === "error"
        ? ["error", `the merger failed (not the change's fault)${bs.mergeReason ? `: ${bs.mergeReason}` : ""}`]
        : ["error", `infrastructure error in ${named(["ERROR", "RETRY_LIMIT"])} (not the change's fault)`];
  }
}
