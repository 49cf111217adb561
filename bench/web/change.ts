/**
 * The change page's cost (prints figures; a few seconds): GET /api/changes/N and /changes/N for a
 * change with a long history (300 items, of which the page reads the latest 200, 4 builds each, in
 * a store of 30,000 builds), with a source that answers at once, so the figure is gatebox's own
 * work (the store, the status, the reasons, the HTML). Gerrit's answer time comes on top.
 * Run: npx bun bench/web/change.ts
 */
import { builds, buildsets, changes, queueItems } from "../../src/store/schema.ts";
import { createApp } from "../../src/web/app.ts";
import type { PipelineRequirement } from "../../src/web/change-reasons.ts";
import { createFixture } from "../../test/integration/web/fixture.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
const f = createFixture({ extraGateItems: 195, capacity: 400 });
const N = 777;
const T = 1_750_000_000;

// A long history for change N, among other changes' builds.
f.store.db.transaction((tx) => {
  tx.insert(changes).values({ number: N, project: "acme/app", branch: "main", changeId: `I${"7".repeat(40)}`, subject: "Rework everything", owner: "Ada", url: "http://gerrit.test/c/acme/app/+/777", status: "NEW", updatedAt: T }).run();
  for (let i = 0; i < 7500; i++) {
    const mine = i < 300;
    const item = `bench-item-${i}`;
    const change = mine ? N : 10_000 + i;
    tx.insert(queueItems).values({ id: item, pipeline: i % 2 ? "check" : "gate", queue: "acme", project: "acme/app", changeNumber: change, patchset: 1 + (i % 5), enqueuedAt: T + i, state: "reported", result: i % 7 ? "1" : "merge-conflict", reason: i % 7 ? null : "CONFLICT (content): Merge conflict in README", reportedAt: T + i + 60 }).run();
    tx.insert(buildsets).values({ id: `bench-set-${i}`, itemId: item, pipeline: "gate", state: "[]", result: i % 7 ? "SUCCESS" : "MERGE_CONFLICT", createdAt: T + i, finishedAt: T + i + 60 }).run();
    for (const job of ["lint", "unit", "integration", "docs"]) {
      tx.insert(builds).values({ id: `bench-${i}-${job}`, buildsetId: `bench-set-${i}`, itemId: item, pipeline: "gate", project: "acme/app", changeNumber: change, job, state: "finished", result: "SUCCESS", queuedAt: T + i, startedAt: T + i + 1, finishedAt: T + i + 50 }).run();
    }
  }
});

const state = { number: N, project: "acme/app", branch: "main", status: "NEW" as const, wip: false, patchset: 5, subject: "Rework everything", url: "http://gerrit.test/c/acme/app/+/777", owner: "Ada", votes: { "Code-Review": [2] } };
const app = createApp({
  ...f.ctx,
  changes: {
    state: async () => state,
    waiting: () => [],
    pipelines: (): PipelineRequirement[] => [
      { name: "check", require: { approvals: {} } },
      { name: "gate", require: { approvals: { "Code-Review": 2, Workflow: 1 } } },
    ],
  },
});

for (const path of [`/api/changes/${N}`, `/changes/${N}`]) {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const res = await app.request(path);
    bytes = (await res.text()).length;
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    times.push(performance.now() - t0);
  }
  console.log(`${path} (latest 200 of 300 items, 800 builds, store of 30,000): median ${median(times).toFixed(1)} ms, p90 ${p90(times).toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} KiB`);
}
f.close();
