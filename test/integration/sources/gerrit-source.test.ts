import { GerritClient } from "../../../src/sources/gerrit/client.ts";
import { GerritSource, type GerritSourceState } from "../../../src/sources/gerrit/poller.ts";
import { GerritSimulator } from "../../support/gerrit/simulator.ts";
import { runSourceContract } from "./source.case.ts";

runSourceContract<GerritSourceState>("GerritSource on the Gerrit simulator", async () => {
  const sim = await GerritSimulator.start();
  await sim.createProject("org/watched");
  const client = new GerritClient({ url: sim.url, username: sim.ci.username, password: sim.ci.password, backoffMs: 1 });
  let i = 0;
  return {
    makeSource: (store, sink, intervalMs) => new GerritSource({ client, store, sink, projects: ["org/watched"], intervalMs }),
    upload: () => sim.uploadChange("org/watched", { files: { [`f${i}`]: `${i++}\n` }, message: `Change ${i}\n` }),
    comment: (n, text) => sim.comment(n, text, "bob"),
    teardown: () => sim.stop(),
  };
});
