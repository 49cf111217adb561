import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { bindRefusal, hostWorkspaceOf, workspaceRefusal } from "../../../src/executor/docker/bind-mount.ts";
import { toContainerOptions } from "../../../src/executor/docker/convert.ts";
import { resolveJob } from "../../../src/executor/job.ts";
import { tarDirectory } from "../../../src/merger/workspace.ts";

describe("when a workspace is bind-mounted rather than copied", () => {
  it("only for a unix socket whose engine is not rootless", () => {
    expect(bindRefusal("unix:///var/run/docker.sock", ["name=seccomp,profile=default"])).toBeNull();
    expect(bindRefusal("/run/docker.sock", undefined)).toBeNull();
    expect(bindRefusal("tcp://127.0.0.1:2376", [])).toMatch(/remote/);
    expect(bindRefusal("ssh://ci@build-host", [])).toMatch(/remote/);
    expect(bindRefusal("unix:///run/user/1000/docker.sock", ["name=seccomp,profile=default", "name=rootless"])).toMatch(/rootless/);
  });

  it("only for a self-contained .git, and files gatebox can give to the build's user", () => {
    const ws = (includeGit: boolean, uid: number) => ({ dir: "/d/ws/1", includeGit, owner: { uid, gid: uid } });
    expect(workspaceRefusal(ws(true, 0), { uid: 0, gid: 0 })).toBeNull();
    expect(workspaceRefusal(ws(true, 1000), { uid: 0, gid: 0 })).toBeNull(); // root hands them over
    expect(workspaceRefusal(ws(true, 1000), { uid: 1000, gid: 1000 })).toBeNull(); // already theirs
    expect(workspaceRefusal(ws(true, 0), { uid: 1000, gid: 1000 })).toMatch(/cannot hand the files to uid 0/);
    expect(workspaceRefusal(ws(false, 0), { uid: 0, gid: 0 })).toMatch(/not self-contained/);
  });

  it("reads the directory off the merger's stream, and nothing off any other", () => {
    const stream = tarDirectory("/d/ws/1", { includeGit: true, owner: { uid: 5, gid: 6 } });
    expect(hostWorkspaceOf(stream)).toEqual({ dir: "/d/ws/1", includeGit: true, owner: { uid: 5, gid: 6 } });
    stream.destroy();
    expect(hostWorkspaceOf(new PassThrough())).toBeNull();
  });

  it("mounts the directory read-write at the workdir and nothing else", () => {
    const job = resolveJob({ image: "i", run: "r", workdir: "/src" });
    const opts = toContainerOptions({ instance: "x", buildId: "1", itemId: "2", job, workspaceMount: "/d/ws/1" });
    expect(opts.HostConfig?.Mounts).toEqual([
      { Type: "bind", Source: "/d/ws/1", Target: "/src", ReadOnly: false, BindOptions: { Propagation: "rprivate", NonRecursive: true } },
    ]);
    expect(opts.HostConfig?.Binds).toEqual([]);
    expect(toContainerOptions({ instance: "x", buildId: "1", itemId: "2", job }).HostConfig?.Mounts).toBeUndefined();
  });
});
