import { plainText } from "../terminal.ts";
import { formatDuration } from "../web/charts.ts";
import type { HealthReport } from "../web/context.ts";
import type { StrategyView } from "../scheduler/index.ts";
import type { StatusItem, StatusJob, StatusJson } from "../web/status-view.ts";

/**
 * `gatebox status` as text (pure): the same tree as the page, a failing item branching off with ↳,
 * items outside the window waiting in line behind the item ahead of them.
 */
export function formatStatus(s: StatusJson, filter: { pipeline?: string | undefined } = {}): string {
  const lines: string[] = [];
  for (const p of s.pipelines) {
    if (filter.pipeline !== undefined && p.name !== filter.pipeline) continue;
    lines.push(`${p.name} (${p.manager})`);
    const queues = p.queues.filter((q) => q.items.length > 0);
    if (queues.length === 0) lines.push("  (empty)");
    for (const q of queues) {
      lines.push(`  queue ${q.name}${p.manager === "independent" ? "" : ` (window ${q.window || "unlimited"})`}`);
      if (q.strategy) lines.push(`    ${strategyLine(q.strategy)}`);
      for (const it of q.items) lines.push(...item(it));
    }
  }
  lines.push(`${s.running} build${s.running === 1 ? "" : "s"} running${s.capacity === null ? "" : ` of ${s.capacity}`}`);
  // Subjects, names and reasons come from outside: nothing in them may drive the terminal.
  return `${lines.map(plainText).join("\n")}\n`;
}

/**
 * The health report's problems, one `! CHECK: message` line each (the web's banner as text);
 * empty when there are none. The messages come from the server: made plain like the rest.
 */
export function formatHealth(health: HealthReport | null): string {
  if (health === null || health.problems.length === 0) return "";
  return `${health.problems.map((p) => plainText(`! ${p.check}: ${p.message}`)).join("\n")}\n`;
}

/** An adaptive queue's mode and why, e.g. "adaptive: batch of 4 — 10% failing, 1 state at once: …" (web/status.js says the same). */
export function strategyLine(s: StrategyView): string {
  const mode =
    s.mode === "batch"
      ? `batch of ${s.batch}`
      : s.mode === "hedge"
        ? `one state per item, ${s.hedges} hedge${s.hedges === 1 ? "" : "s"}`
        : "one state per item";
  return `adaptive: ${mode} — ${s.reason}`;
}

function item(it: StatusItem): string[] {
  const pad = "    " + "  ".repeat(it.depth);
  const c = it.change;
  const label = `${c.number ?? c.id}${c.patchset ? `,${c.patchset}` : ""}`;
  const what = it.failing
    ? `FAILING (${it.failingReason ?? "?"})`
    : it.submitting
      ? "merging"
      : it.active
        ? "active"
        : "waiting (outside the window)";
  const eta = it.remaining === null || it.failing ? "" : `  ETA ${formatDuration(it.remaining)}`;
  return [
    `${pad}${it.branch ? "↳ " : ""}${label} ${c.project} ${what}${eta}  ${c.subject}`,
    `${pad}    ${it.jobs.map(job).join(" | ")}`,
  ];
}

function job(j: StatusJob): string {
  if (j.waiting) return `${j.name}: ${j.waiting}`;
  if (j.state === "running") {
    const left = j.remaining === null ? "" : `, ${formatDuration(j.remaining)} left`;
    return `${j.name}: running ${formatDuration(j.elapsed ?? 0)}${left}`;
  }
  return `${j.name}: ${j.state}${j.elapsed === null ? "" : ` ${formatDuration(j.elapsed)}`}`;
}
