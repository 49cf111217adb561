import { describe, expect, it } from "vitest";
import { InfraError } from "../../../src/errors.ts";
import {
  isNameConflict,
  isNoSuchImage,
  isNotRunning,
  isUnreachable,
  toInfraError,
} from "../../../src/executor/docker/errors.ts";

// Shapes as docker-modem builds them: message "(HTTP code N) reason - daemon message", statusCode, json.
const modem = (statusCode: number, message: string) =>
  Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), { statusCode, json: { message } });

describe("docker error checks", () => {
  it("tells a missing image from a missing container", () => {
    expect(isNoSuchImage(modem(404, "No such image: nope:latest"))).toBe(true);
    expect(isNoSuchImage(modem(404, "No such container: abc"))).toBe(false);
  });

  it("recognises name conflicts and not-running", () => {
    expect(isNameConflict(modem(409, 'Conflict. The container name "/x" is already in use by container "y"'))).toBe(true);
    expect(isNotRunning(modem(409, "Container abc is not running"))).toBe(true);
    expect(isNotRunning(modem(304, ""))).toBe(true);
    expect(isNotRunning(modem(500, "boom"))).toBe(false);
  });

  it("recognises an engine that cannot be reached", () => {
    expect(isUnreachable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isUnreachable(new Error("socket hang up"))).toBe(true);
    expect(isUnreachable(modem(500, "boom"))).toBe(false);
  });

  it("wraps as InfraError saying what we were doing, keeping the daemon's words", () => {
    const e = toInfraError("create container from i", "tcp://127.0.0.1:1", modem(500, "driver failed"));
    expect(e).toBeInstanceOf(InfraError);
    expect(e.message).toBe("docker: create container from i: driver failed");
    const gone = toInfraError("wait", "tcp://127.0.0.1:1", Object.assign(new Error("x"), { code: "ECONNRESET" }));
    expect(gone.message).toBe("docker: wait: engine at tcp://127.0.0.1:1 unreachable: x");
  });
});
