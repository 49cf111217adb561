/**
 * A local engine gets the build's workspace bind-mounted, not copied (docs/executor.md,
 * "Workspaces"): the build sees the merged files and can write to them, sees nothing of the host
 * outside its own directory, and links in the repository resolve inside the container. A
 * workspace whose `.git` is not self-contained, and a remote engine, still get a copy.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DockerRunner } from "../../../src/executor/docker/docker-runner.ts";
import { Executor } from "../../../src/executor/executor.ts";
import type { JobSpec } from "../../../src/executor/job.ts";
import type { Runner } from "../../../src/executor/runner.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { tarDirectory } from "../../../src/merger/workspace.ts";
import { type SshServer, startSshd } from "../../support/remote-docker.ts";
import { consoleEvents, outputOf, requireDocker, tempDir, uniqueBuildId } from "./helpers.ts";

const GIT_IMAGE = "gatebox-test/git:latest";
const instance = `mount-${process.pid}`;

let tmp: ReturnType<typeof tempDir>;
let hub: ConsoleHub;
let sshd: SshServer;
/** Like gatebox's data dir: a secret beside the workspaces, which no build may see. */
let dataDir: string;
let ws: string;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir("gatebox-mount-");
  dataDir = join(tmp.dir, "data");
  mkdirSync(join(dataDir, "workspaces"), { recursive: true });
  writeFileSync(join(dataDir, "secret.txt"), "host secret\n");
  hub = new ConsoleHub(join(tmp.dir, "logs"));
  sshd = await startSshd(tmp.dir);
}, 120_000);
afterAll(async () => {
  await sshd?.stop();
  tmp?.cleanup();
});

/** A fresh workspace `<data>/workspaces/<n>/proj`: a git repository with a file, links out of it. */
beforeEach(() => {
  ws = join(dataDir, "workspaces", uniqueBuildId("ws"));
  const proj = join(ws, "proj");
  mkdirSync(proj, { recursive: true });
  writeFileSync(join(proj, "merged.txt"), "the merged state\n");
  symlinkSync("/etc/passwd", join(proj, "passwd-link"));
  symlinkSync("../../..", join(proj, "up-link"));
  symlinkSync(join(dataDir, "secret.txt"), join(proj, "secret-link"));
  const git = (...args: string[]) => execFileSync("git", ["-C", proj, ...args], { stdio: "pipe" });
  git("init", "--quiet", "--initial-branch=main");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "merged");
});

async function build(runner: Runner, run: string, extra: Partial<JobSpec> = {}, includeGit = true, owner?: { uid: number; gid: number }) {
  const ex = new Executor({ runner, consoles: hub, capacity: 1, retryDelayMs: () => 0 });
  const job: JobSpec = { image: GIT_IMAGE, run, attempts: 1, ...extra };
  const workspace = (options?: { prefix?: string }) => tarDirectory(ws, { includeGit, ...(owner ? { owner } : {}), ...options });
  const o = await ex.startBuild({ buildId: uniqueBuildId("mount"), itemId: "i", job, workspace }).outcome;
  const events = await consoleEvents(o.logPath);
  return { result: o.result, out: outputOf(events), info: events.filter((e) => e.kind === "i").map((e) => e.data).join("") };
}

describe("a local engine", () => {
  const runner = () => new DockerRunner({ instance });

  it("mounts the workspace: the build sees the merged files and git works in it", async () => {
    const b = await build(runner(), "cat proj/merged.txt; git -C proj log -1 --format=%s; git -C proj status --porcelain; echo done");
    expect(b.info).toContain("gatebox: workspace mounted at /work (not copied)");
    expect(b.out).toBe("the merged state\nmerged\ndone\n");
    expect(b.result).toBe("SUCCESS");
  });

  it("lets the build write into its workspace, and the host sees it: the same directory, not a copy", async () => {
    const b = await build(runner(), "echo written > proj/out.txt && mkdir -p proj/sub && echo ok");
    expect(b.result).toBe("SUCCESS");
    expect(readFileSync(join(ws, "proj", "out.txt"), "utf8")).toBe("written\n");
  });

  it("mounts only the build's own directory: above it is the container's own file system", async () => {
    const script = [
      // The mount's root in the host's file system, as the kernel tells it (field 4 of mountinfo).
      "awk '$5 == \"/work\" {print \"root \" $4}' /proc/self/mountinfo",
      "ls /work/.. | grep -qx bin && echo 'parent is the container root'",
      "ls -a /work",
      `test -e ${dataDir}/secret.txt && echo 'DATA DIR VISIBLE' || echo 'no data dir'`,
      "grep -rs 'host secret' /work /tmp /root /home /var /srv /mnt /opt || true",
    ].join("; ");
    const b = await build(runner(), script, { user: "0:0" });
    expect(b.result).toBe("SUCCESS");
    expect(b.out).toContain(`root ${ws}\n`);
    expect(b.out).toContain("parent is the container root\n");
    expect(b.out).toContain(".\n..\nproj\n");
    expect(b.out).toContain("no data dir\n");
    expect(b.out).not.toContain("host secret");
  });

  it("resolves links in the repository inside the container: none reaches the host", async () => {
    const hostPasswd = readFileSync("/etc/passwd", "utf8");
    const script = [
      "cd proj",
      "cat passwd-link > /tmp/p; cat /etc/passwd | cmp -s - /tmp/p && echo 'passwd-link is the container passwd'",
      "ls up-link/ | grep -qx bin && echo 'up-link is the container root'",
      `test -e up-link/${dataDir.slice(1)}/secret.txt && echo 'DATA DIR VISIBLE' || echo 'no data dir above'`,
      "cat secret-link 2>/dev/null || echo 'secret-link dangles'",
      "echo overwritten > secret-link 2>/dev/null; echo wrote-through",
    ].join("; ");
    const b = await build(runner(), script);
    expect(b.out).toContain("passwd-link is the container passwd\n");
    expect(b.out).toContain("up-link is the container root\n");
    expect(b.out).toContain("no data dir above\n");
    expect(b.out).toContain("secret-link dangles\n");
    expect(b.out).not.toContain("host secret");
    // Writing through the link wrote into the container's own file system, not the host's.
    expect(readFileSync(join(dataDir, "secret.txt"), "utf8")).toBe("host secret\n");
    expect(readFileSync("/etc/passwd", "utf8")).toBe(hostPasswd);
  });

  it("never mounts a workspace that is a link (here to the data dir): the build does not run", async () => {
    const link = join(dataDir, "workspaces", uniqueBuildId("link"));
    symlinkSync(dataDir, link);
    const saved = ws;
    ws = link;
    try {
      const b = await build(runner(), "cat secret.txt; echo ran");
      expect(b.result).toBe("RETRY_LIMIT");
      expect(b.info).toContain(`is not a directory`);
      expect(b.out).toBe("");
    } finally {
      ws = saved;
      unlinkSync(link);
    }
  });

  it("gives the files to the build's user, so a non-root build can write and git trusts the repository", async () => {
    const script = "stat -c %u:%g /work proj/merged.txt; echo more >> proj/merged.txt && git -C proj status --porcelain";
    const b = await build(runner(), script, { user: "1000:1000" }, true, { uid: 1000, gid: 1000 });
    expect(b.info).toContain("workspace mounted");
    expect(b.out).toBe("1000:1000\n1000:1000\n M merged.txt\n");
    expect(b.result).toBe("SUCCESS");
    // The link itself changed hands, never its target.
    expect(statSync("/etc/passwd").uid).toBe(0);
  });

  it("copies a workspace whose .git is not self-contained, without its .git", async () => {
    const b = await build(runner(), "cat proj/merged.txt; test -e proj/.git && echo HAS-GIT || echo no .git");
    expect(b.out).toBe("the merged state\nHAS-GIT\n");
    const c = await build(runner(), "cat proj/merged.txt; test -e proj/.git && echo HAS-GIT || echo no .git", {}, false);
    expect(c.info).toContain("gatebox: copying the workspace into /work (the workspace's .git is not self-contained)");
    expect(c.out).toBe("the merged state\nno .git\n");
  });
});

describe("a remote engine", () => {
  it("gets a copy even when it runs on this host (ssh:// in front of the local engine)", async () => {
    const runner = new DockerRunner({ instance, endpoint: sshd.endpoint, sshKey: sshd.key, sshHostKey: [sshd.hostKey] });
    const script = [
      "cat proj/merged.txt; echo x > proj/out.txt; awk '$5 == \"/work\"' /proc/self/mountinfo | wc -l",
      // A relative link out of the workdir is copied as it is (the archive goes in at /) and resolves in the container.
      "readlink proj/up-link; ls proj/up-link/ | grep -qx bin && echo 'up-link is the container root'",
      "stat -c %a /work",
    ].join("; ");
    const b = await build(runner, script);
    expect(b.info).toContain("gatebox: copying the workspace into /work (the engine is remote: the workspace is copied)");
    expect(b.out).toBe("the merged state\n0\n../../..\nup-link is the container root\n755\n");
    expect(b.result).toBe("SUCCESS");
    expect(() => statSync(join(ws, "proj", "out.txt"))).toThrow();
  });
});
