import { DockerRunner } from "../../../src/executor/docker/docker-runner.ts";
import { requireDocker } from "./helpers.ts";
import { runRunnerContract } from "./runner.case.ts";

const instance = `contract-${process.pid}`;

runRunnerContract({
  name: "DockerRunner",
  makeRunner: async () => {
    await requireDocker();
    return new DockerRunner({ instance });
  },
  isGone: async (buildId) => {
    const docker = await requireDocker();
    const left = await docker.listContainers({ all: true, filters: { label: [`gatebox.build=${buildId}`] } });
    return left.length === 0;
  },
});
