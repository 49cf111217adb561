import type { GateboxConfig } from "../config/model.ts";
import { InputError } from "../errors.ts";
import type { AdminActions } from "../web/app.ts";
import type { Gate } from "./gate.ts";

/** The API's admin actions as scheduler events; names that are not there are the user's error. */
export function adminActions(current: () => GateboxConfig, gate: Gate | null): AdminActions {
  const need = (pipeline: string): Gate => {
    const config = current();
    if (!gate) throw new InputError("no Gerrit connection is configured: there is nothing to act on");
    if (!config.pipelines.some((p) => p.name === pipeline)) throw new InputError(`pipeline: no pipeline named '${pipeline}'`);
    return gate;
  };
  const inPipeline = (g: Gate, pipeline: string, change: number) => {
    if (!g.isEnqueued(pipeline, String(change))) throw new InputError(`change: ${change} is not in the ${pipeline} pipeline`);
  };
  return {
    async enqueue({ pipeline, project, change }) {
      const g = need(pipeline);
      const p = current().projects.find((x) => x.name === project);
      if (!p) throw new InputError(`project: no project named '${project}' is configured`);
      if (!p.pipelines.has(pipeline)) throw new InputError(`project: ${project} does not take part in the ${pipeline} pipeline`);
      await g.enqueue(pipeline, project, change);
    },
    async dequeue({ pipeline, change }) {
      const g = need(pipeline);
      inPipeline(g, pipeline, change);
      g.submit({ type: "dequeue", pipeline, changeId: String(change) });
      await g.settled();
    },
    async promote({ pipeline, change }) {
      const g = need(pipeline);
      inPipeline(g, pipeline, change);
      g.submit({ type: "promote", pipeline, changeId: String(change) });
      await g.settled();
    },
  };
}
