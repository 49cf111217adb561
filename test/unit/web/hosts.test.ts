import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { hostAllowed, webHosts } from "../../../src/web/hosts.ts";

describe("webHosts", () => {
  it("lists web.url's host as browsers send it and with its port, the listen address and the loopback names", () => {
    expect(webHosts({ url: "https://Gate.Example.com/", listen: { host: "10.0.0.5", port: 8080 } }).sort()).toEqual(
      ["gate.example.com", "gate.example.com:443", "10.0.0.5:8080", "localhost:8080", "127.0.0.1:8080", "[::1]:8080"].sort(),
    );
    expect(webHosts({ url: "http://ci.example:9000", listen: { host: "::1", port: 9000 } }).sort()).toEqual(
      ["ci.example:9000", "[::1]:9000", "localhost:9000", "127.0.0.1:9000"].sort(),
    );
  });

  it("takes the names without a port too on port 80", () => {
    expect(webHosts({ url: "http://127.0.0.1", listen: { host: "127.0.0.1", port: 80 } })).toEqual(
      expect.arrayContaining(["127.0.0.1", "127.0.0.1:80", "localhost", "localhost:80", "[::1]"]),
    );
  });

  it("stands every address of the machine for a wildcard listen address", () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === "IPv4")
      .map((a) => `${a!.address}:8080`);
    expect(own.length).toBeGreaterThan(0);
    expect(webHosts({ url: "http://gatebox.lan:8080", listen: { host: "0.0.0.0", port: 8080 } })).toEqual(expect.arrayContaining(own));
    expect(webHosts({ url: "http://gatebox.lan:8080", listen: { host: "0.0.0.0", port: 8080 } })).not.toContain("0.0.0.0:8080");
  });
});

describe("hostAllowed", () => {
  const list = new Set(["gate.example.com", "127.0.0.1:8080"]);
  it("compares whole host values, case-insensitively", () => {
    expect(hostAllowed("Gate.Example.COM", list)).toBe(true);
    expect(hostAllowed("127.0.0.1:8080", list)).toBe(true);
    expect(hostAllowed("127.0.0.1:80800", list)).toBe(false);
    expect(hostAllowed("gate.example.com.evil", list)).toBe(false);
    expect(hostAllowed("evil/gate.example.com", list)).toBe(false);
  });

  it("lets a request without a Host header through: no browser sends one", () => {
    expect(hostAllowed(undefined, list)).toBe(true);
  });
});
