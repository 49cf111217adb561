import type { GateboxConfig } from "../config/model.ts";
import type { ChangeFacts } from "../web/change-view.ts";
import type { Gate } from "./gate.ts";

/**
 * The change page's side of the gate (WebContext.changes): the source's state of a change, the
 * driver's parked list, and the pipelines of the config in force (read per request: a reload shows).
 */
export function changeFacts(gate: Gate, config: () => GateboxConfig): ChangeFacts {
  return {
    state: (number) => gate.changeState(number),
    waiting: () => gate.waiting().map((p) => ({ pipeline: p.pipeline, number: p.number, waitsFor: p.waitsFor })),
    pipelines(project, branch) {
      const c = config();
      // The same rule as the triggers (driver/triggers.ts): a project limited to a branch follows only that branch.
      const entry = c.projects.find((p) => p.name === project);
      if (!entry || (entry.branch !== undefined && entry.branch !== branch)) return null;
      return c.pipelines.filter((p) => entry.pipelines.has(p.name)).map((p) => ({ name: p.name, require: p.require }));
    },
  };
}
