/**
 * What the driver's write-before-act costs per event as the queue grows: the event row plus the
 * whole scheduler snapshot (src/driver/driver.ts `save`, src/store/journal.ts `saveSnapshot`), in
 * one transaction on a real SQLite file, for a gate holding N items (window 20, capacity 50).
 * The scheduler core's own cost per event is bench/scheduler/one-event.ts; this is what the
 * driver adds around it, and it grows with the queue (the snapshot is written whole).
 *
 *   npx bun bench/store/snapshot.ts [rounds=300]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scheduler } from "../../src/scheduler/index.ts";
import { openDatabase } from "../../src/store/db.ts";
import { Journal } from "../../src/store/journal.ts";

const rounds = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(tmpdir(), "gatebox-bench-snapshot-"));
try {
  for (const items of [10, 100, 400, 1000]) {
    const store = openDatabase(join(dir, `n${items}.sqlite`));
    const journal = new Journal(store.db);
    const s = new Scheduler(
      {
        pipelines: [{ name: "gate", manager: "dependent", window: { window: 20 }, strategy: "zuul" }],
        projects: [{ name: "p", pipelines: { gate: { jobs: ["unit", "lint"] } } }],
        jobs: [{ name: "unit" }, { name: "lint" }],
      },
      { capacity: 50 },
    );
    for (let i = 1; i <= items; i++) {
      const changeId = `org%2Fproject~main~I${String(i).padStart(40, "0")}`;
      const meta = { number: i, patchset: 1, revision: "f".repeat(40), ref: `refs/changes/${i % 100}/${i}/1`, url: `http://gerrit/c/${i}`, subject: `Change ${i}: a subject of ordinary length`, owner: "Ann Author", changeId: `I${i}` };
      s.handle({ type: "enqueue", pipeline: "gate", change: { id: changeId, project: "p", branch: "main", dependsOn: [], meta } }, i);
    }
    const samples: number[] = [];
    let chars = 0;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      journal.transaction(() => {
        const seq = journal.event(r, "build-started", { buildId: r });
        const snapshot = { version: 1, core: s.liveState(), merges: {}, outstanding: [], parked: [] };
        journal.saveSnapshot(snapshot, seq, r);
      });
      samples.push(performance.now() - t0);
      if (r === 0) chars = JSON.stringify(s.liveState()).length;
    }
    samples.sort((a, b) => a - b);
    const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))]!.toFixed(2);
    console.log(`${String(items).padStart(5)} items: snapshot ${(chars / 1024).toFixed(0)} KiB; event + snapshot written p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
    store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
