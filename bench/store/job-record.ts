/**
 * What risk and retry-flaky-above cost per question in serve (src/store/flaky-queries.ts): a store
 * holding N builds over J jobs and N/2 reported check items, then `jobRecord` (the latest 100
 * decided builds of one job) and `checkResult` (one change's check on one patchset), timed.
 *
 *   npx bun bench/store/job-record.ts [builds=200000] [jobs=20]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/db.ts";
import { checkResult, jobRecord } from "../../src/store/flaky-queries.ts";

const n = Number(process.argv[2] ?? 200_000);
const jobs = Number(process.argv[3] ?? 20);
const dir = mkdtempSync(join(tmpdir(), "gatebox-bench-job-record-"));
const store = openDatabase(join(dir, "gatebox.sqlite"));
try {
  const results = ["SUCCESS", "SUCCESS", "SUCCESS", "FAILURE", "TIMED_OUT", "ABORTED", "ERROR"];
  const t0 = performance.now();
  store.sqlite.transaction(() => {
    const build = store.sqlite.prepare(
      "INSERT INTO builds (id, buildset_id, item_id, pipeline, project, change_number, job, state, result, queued_at, finished_at, flaky, flaky_retries) VALUES (?, '1', ?, 'gate', 'p', ?, ?, 'finished', ?, ?, ?, ?, ?)",
    );
    const item = store.sqlite.prepare(
      "INSERT INTO queue_items (id, pipeline, queue, project, change_number, patchset, enqueued_at, state, result, reported_at) VALUES (?, 'check', 'p', 'p', ?, 1, ?, 'reported', ?, ?)",
    );
    for (let i = 0; i < n; i++) {
      const flaky = i % 50 === 0 ? 1 : 0;
      build.run(String(i), String(i), i, `job-${i % jobs}`, results[i % results.length]!, i, i + 1, flaky, flaky);
      if (i % 2 === 0) item.run(`c${i}`, i, i, i % 10 === 0 ? "-1" : "1", i + 1);
    }
  })();
  const filled = performance.now() - t0;
  const time = (fn: (i: number) => unknown, rounds: number) => {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      fn(i);
      samples.push(performance.now() - s);
    }
    samples.sort((a, b) => a - b);
    return { median: samples[Math.floor(rounds / 2)]!, p99: samples[Math.floor(rounds * 0.99)]! };
  };
  const rec = time((i) => jobRecord(store.db, `job-${i % jobs}`), 2000);
  const chk = time((i) => checkResult(store.db, (i * 7919) % n, 1, ["check"]), 2000);
  const sample = jobRecord(store.db, "job-3");
  console.log(`store: ${n} builds over ${jobs} jobs, ${n / 2} check items (filled in ${(filled / 1000).toFixed(1)} s)`);
  console.log(`jobRecord   median ${(rec.median * 1000).toFixed(0)} µs, p99 ${(rec.p99 * 1000).toFixed(0)} µs (e.g. job-3: ${sample.builds} builds, failure ${(sample.failureRate * 100).toFixed(0)}%, flaky ${(sample.flakyRate * 100).toFixed(0)}%)`);
  console.log(`checkResult median ${(chk.median * 1000).toFixed(0)} µs, p99 ${(chk.p99 * 1000).toFixed(0)} µs`);
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
