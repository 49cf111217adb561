/**
 * The binary's memory through a real run: `dist/gatebox serve` against the Gerrit simulator and the
 * Docker engine. Samples RSS idle 30 s after a fresh start, then pushes N changes (default 400)
 * through check and gate (2 builds each, a trivial job), and samples RSS again 30 s after the last
 * merge. Targets (issue 16): fresh idle < 80 MB, after 400 changes < 100 MB.
 * Run: `npm run build && npx bun bench/binary/memory.ts [changes] [idle-seconds]`
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GerritSimulator } from "../../test/support/gerrit/simulator.ts";

const CHANGES = Number(process.argv[2] ?? 400);
const IDLE_S = Number(process.argv[3] ?? 30);
const PROJECT = "org/project";
const bin = process.env.GATEBOX_BIN ?? join(import.meta.dir, "../../dist/gatebox");

const dir = mkdtempSync(join(tmpdir(), "gatebox-bench-mem-"));
const sim = await GerritSimulator.start();
await sim.createProject(PROJECT, { files: { "README.md": "# project\n" } });
const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
const port = probe.port as number;
await probe.stop(true);

writeFileSync(
  join(dir, "gatebox.yaml"),
  `
data-dir: ${join(dir, "data")}
connections:
  gerrit: {url: ${sim.url}, user: ${sim.ci.username}, password: {env: GATEBOX_GERRIT_PASSWORD}, poll-interval: 1s}
web: {listen: "127.0.0.1:${port}", console-listen: false}
executors: [{name: docker, type: docker, capacity: 6}]
pipelines:
  - name: check
    manager: independent
    trigger: {gerrit: [{event: patchset-created}]}
    success: {gerrit: {labels: {Verified: 1}}}
    failure: {gerrit: {labels: {Verified: -1}}}
  - name: gate
    manager: dependent
    trigger: {gerrit: [{event: comment-added, approval: {Workflow: 1}}]}
    require: {gerrit: {approvals: {Code-Review: 2, Workflow: 1}}}
    success: {gerrit: {labels: {Verified: 2}, submit: true}}
    failure: {gerrit: {labels: {Verified: -2}}}
jobs:
  - {name: unit, image: "gatebox-test/busybox:latest", timeout: 1m, run: "ls; echo ok"}
projects:
  - {name: ${PROJECT}, check: {jobs: [unit]}, gate: {jobs: [unit]}}
`,
);

const proc = spawn(bin, ["serve", "--config", join(dir, "gatebox.yaml")], {
  cwd: dir,
  env: { ...process.env, GATEBOX_GERRIT_PASSWORD: sim.ci.password },
  stdio: ["ignore", "ignore", "pipe"],
});
let output = "";
proc.stderr?.on("data", (d) => {
  output = (output + String(d)).slice(-20_000);
  if (process.env.GATEBOX_BENCH_STDERR) process.stderr.write(String(d));
});
let exited: number | null | undefined;
proc.on("exit", (code) => {
  exited = code;
});
const alive = () => {
  if (exited !== undefined) throw new Error(`gatebox serve exited (${exited}):\n${output.slice(-4000)}`);
};
const memory = async () => {
  const status = await Bun.file(`/proc/${proc.pid}/status`).text();
  const kb = (key: string) => Number(/(\d+) kB/.exec(status.split("\n").find((l) => l.startsWith(key)) ?? "")?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024, anon: kb("RssAnon") / 1024, file: kb("RssFile") / 1024 };
};
const mb = (x: number) => `${x.toFixed(1)} MiB`;
/**
 * The anonymous memory of the largest anonymous mappings, biggest first: which allocator holds it.
 * On Bun 1.4 three stand out: JSC's heap (a reservation of ~950 MiB: JavaScript objects and
 * strings), the native allocator's arena (~75 MiB: SQLite, HTTP, buffers) and the JIT's code
 * (rwx, 1 GiB).
 */
const regions = async () => {
  const found: { what: string; anon: number }[] = [];
  let what = "";
  for (const line of (await Bun.file(`/proc/${proc.pid}/smaps`).text()).split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const size = (Number.parseInt(head[2]!, 16) - Number.parseInt(head[1]!, 16)) / 1024 / 1024;
      what = head[4] ? "" : `${head[3]} ${size.toFixed(0)} MiB mapping`;
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon && what) found.push({ what, anon: Number(anon[1]) / 1024 });
  }
  return found.sort((a, b) => b.anon - a.anon).slice(0, 3).map((r) => `${mb(r.anon)} in the ${r.what}`).join(", ");
};

try {
  while (!(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false))) await Bun.sleep(20);
  await Bun.sleep(IDLE_S * 1000);
  const fresh = await memory();
  console.log(`idle ${IDLE_S} s after a fresh start: RSS ${mb(fresh.rss)} (anonymous ${mb(fresh.anon)}, the binary's pages ${mb(fresh.file)})`);
  console.log(`  anonymous: ${await regions()}`);

  const t0 = performance.now();
  const numbers: number[] = [];
  for (let i = 1; i <= CHANGES; i++) {
    const n = await sim.uploadChange(PROJECT, { files: { [`f${i}.txt`]: `${i}\n` }, message: `Change ${i}\n` });
    await sim.approve(n, "Code-Review", 2, "bob");
    await sim.approve(n, "Workflow", 1, "bob");
    numbers.push(n);
  }
  let peak = 0;
  for (;;) {
    alive();
    peak = Math.max(peak, (await memory()).rss);
    const merged = numbers.filter((n) => sim.change(n).status === "MERGED").length;
    if (merged === numbers.length) break;
    if (performance.now() - t0 > 30 * 60_000) throw new Error(`only ${merged} of ${numbers.length} merged after 30 minutes`);
    await Bun.sleep(500);
  }
  const took = (performance.now() - t0) / 1000;
  console.log(`${CHANGES} changes through check and gate (${CHANGES * 2} builds) in ${took.toFixed(0)} s; RSS peak seen ${mb(peak)}`);
  await Bun.sleep(IDLE_S * 1000);
  alive();
  const after = await memory();
  console.log(`idle ${IDLE_S} s after the last merge: RSS ${mb(after.rss)} (anonymous ${mb(after.anon)}, the binary's pages ${mb(after.file)}; high-water mark ${mb(after.hwm)})`);
  console.log(`  anonymous: ${await regions()}`);
} finally {
  if (exited === undefined) {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.on("exit", r));
  }
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
