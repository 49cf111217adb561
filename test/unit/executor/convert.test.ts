import { describe, expect, it } from "vitest";
import {
  containerName,
  instanceFilter,
  KEPT_CAPABILITIES,
  toContainerOptions,
} from "../../../src/executor/docker/convert.ts";
import { resolveJob } from "../../../src/executor/job.ts";

const base = { instance: "gb1", buildId: "b-42", itemId: "item-7" };

describe("toContainerOptions", () => {
  it("applies the safety defaults: no network, no mounts, not privileged, caps dropped, labels", () => {
    const o = toContainerOptions({ ...base, job: resolveJob({ image: "img:1", run: "make test" }) });
    expect(o.name).toBe("gatebox-gb1-b-42");
    expect(o.Image).toBe("img:1");
    expect(o.Labels).toEqual({ "gatebox.build": "b-42", "gatebox.item": "item-7", "gatebox.instance": "gb1" });
    expect(o.WorkingDir).toBe("/work");
    expect(o.Tty).toBe(false);
    expect(o.NetworkDisabled).toBe(true);
    const h = o.HostConfig!;
    expect(h.NetworkMode).toBe("none");
    expect(h.Privileged).toBe(false);
    expect(h.Binds).toEqual([]);
    expect(h.Mounts).toBeUndefined();
    expect(h.CapDrop).toEqual(["ALL"]);
    expect(h.CapAdd).toEqual(KEPT_CAPABILITIES);
    expect(h.CapAdd).not.toContain("SYS_ADMIN");
    expect(h.CapAdd).not.toContain("NET_RAW");
    expect(h.SecurityOpt).toContain("no-new-privileges");
    expect(h.PidsLimit).toBe(1024);
    expect(h.Memory).toBeUndefined();
    expect(h.NanoCpus).toBeUndefined();
    expect(o.User).toBeUndefined();
    expect(JSON.stringify(o)).not.toContain("docker.sock");
  });

  it("merges stderr into stdout by default, passing the script as $1 untouched", () => {
    const o = toContainerOptions({ ...base, job: resolveJob({ image: "i", run: "echo 'a b'; exit 3" }) });
    expect(o.Cmd).toEqual(["/bin/sh", "-c", 'exec /bin/sh -c "$1" sh 2>&1', "gatebox-run", "echo 'a b'; exit 3"]);
    expect(o.Entrypoint).toEqual([]);
    const sep = toContainerOptions({ ...base, job: resolveJob({ image: "i", run: "x", separateStderr: true }) });
    expect(sep.Cmd).toEqual(["/bin/sh", "-c", "x"]);
  });

  it("translates limits, user, env, workdir and network", () => {
    const job = resolveJob({
      image: "i",
      run: "x",
      memory: 256 * 1024 * 1024,
      cpus: 1.5,
      pids: 64,
      user: "65534:65534",
      env: { A: "1", B_2: "x=y" },
      workdir: "/src",
      network: "bridge",
    });
    const o = toContainerOptions({ ...base, job });
    expect(o.HostConfig!.Memory).toBe(268435456);
    expect(o.HostConfig!.MemorySwap).toBe(268435456);
    expect(o.HostConfig!.NanoCpus).toBe(1_500_000_000);
    expect(o.HostConfig!.PidsLimit).toBe(64);
    expect(o.HostConfig!.NetworkMode).toBe("bridge");
    expect(o.NetworkDisabled).toBe(false);
    expect(o.User).toBe("65534:65534");
    expect(o.Env).toEqual(["A=1", "B_2=x=y"]);
    expect(o.WorkingDir).toBe("/src");
  });

  it("starts the script in startDir and passes secrets as env, a secret winning", () => {
    const job = resolveJob({ image: "i", run: "x", startDir: "/work/sub", env: { A: "1", T: "plain" }, secrets: { T: "s3cret" } });
    const o = toContainerOptions({ ...base, job });
    expect(o.WorkingDir).toBe("/work/sub");
    expect(o.Env).toEqual(["A=1", "T=s3cret"]);
  });

  it("makes container names Docker accepts from any build id", () => {
    expect(containerName("gate box", "b/1:x")).toBe("gatebox-gate_box-b_1_x");
    expect(containerName("i", "b")).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
  });

  it("filters by instance and optionally build", () => {
    expect(JSON.parse(instanceFilter("gb1"))).toEqual({ label: ["gatebox.instance=gb1"] });
    expect(JSON.parse(instanceFilter("gb1", "b-2"))).toEqual({ label: ["gatebox.instance=gb1", "gatebox.build=b-2"] });
  });
});
