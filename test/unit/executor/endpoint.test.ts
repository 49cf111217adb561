import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.ts";
import { parseDockerEndpoint } from "../../../src/executor/docker/endpoint.ts";

describe("parseDockerEndpoint", () => {
  it("accepts unix sockets and tcp endpoints", () => {
    expect(parseDockerEndpoint("unix:///var/run/docker.sock")).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(parseDockerEndpoint("/run/user/1000/docker.sock")).toEqual({ socketPath: "/run/user/1000/docker.sock" });
    expect(parseDockerEndpoint("tcp://127.0.0.1:2375")).toEqual({ host: "127.0.0.1", port: 2375, protocol: "http" });
    expect(parseDockerEndpoint("tcp://[::1]:2375/")).toEqual({ host: "::1", port: 2375, protocol: "http" });
  });

  it("rejects anything else with a message naming the field", () => {
    for (const bad of ["", "docker.sock", "unix://relative", "tcp://host", "tcp://h:99999", "http://h:1"]) {
      expect(() => parseDockerEndpoint(bad, "executors[0].endpoint")).toThrow(InputError);
      expect(() => parseDockerEndpoint(bad, "executors[0].endpoint")).toThrow(/^executors\[0\]\.endpoint: /);
    }
  });
});
