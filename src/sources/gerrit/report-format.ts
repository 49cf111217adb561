/**
 * Pure formatting of the messages the reporter posts on a change. The results message lists each job
 * with its result, duration and log URL; it stays under Gerrit's 16 KiB message limit by dropping job
 * lines (successful ones first) and saying how many were left out — the verdict line is never cut.
 */
import { terminalSafe } from "../../terminal.ts";

export interface BuildSummary {
  job: string;
  /** SUCCESS, FAILURE, TIMED_OUT, CANCELED, SKIPPED, ERROR, … */
  result: string;
  durationMs?: number;
  logUrl?: string;
  /** Non-voting jobs are marked as such (default voting). */
  voting?: boolean;
  /** Files the build kept (a test report, a built file), with their links. */
  artifacts?: readonly { name: string; url: string }[];
}

/** How many artifact links one job's line carries; the build page lists them all. */
const MAX_ARTIFACT_LINKS = 3;

export interface ResultReport {
  success: boolean;
  /** Replaces the default verdict line, e.g. for a merge conflict. */
  verdict?: string;
  /** Extra text after the verdict (e.g. Gerrit's refusal text); cut to 4 KiB. */
  detail?: string;
  builds: readonly BuildSummary[];
  /** Where the full list lives when lines had to be dropped. */
  buildsetUrl?: string;
  /** gatebox's page of the change (`<web.url>/changes/N`): every pipeline it was in, and why it is in none. */
  changeUrl?: string;
}

/** Gerrit refuses a single message over 16 KiB; keep some room for safety. */
export const MESSAGE_LIMIT_BYTES = 16 * 1024 - 256;
const MAX_LINE = 1000;
const MAX_DETAIL = 4096;

/** `3m 12s`, `45s`, `1h 2m 3s`, `0s`; rounds to whole seconds. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

export function startMessage(pipeline: string, statusUrl?: string): string {
  return `Starting ${pipeline} jobs.${statusUrl ? `\n${statusUrl}` : ""}`;
}

export function verdictLine(pipeline: string, success: boolean): string {
  return success ? `Build succeeded (${pipeline} pipeline).` : `Build failed (${pipeline} pipeline).`;
}

export function buildLine(b: BuildSummary): string {
  const where = b.logUrl ? ` ${b.logUrl}` : "";
  const took = b.durationMs !== undefined ? ` in ${formatDuration(b.durationMs)}` : "";
  const nv = b.voting === false ? " (non-voting)" : "";
  const files = b.artifacts ?? [];
  const more = files.length > MAX_ARTIFACT_LINKS ? `, +${files.length - MAX_ARTIFACT_LINKS} more` : "";
  const kept = files.length === 0 ? "" : ` (artifacts: ${files.slice(0, MAX_ARTIFACT_LINKS).map((a) => `${a.name} ${a.url}`).join(", ")}${more})`;
  return cut(`- ${b.job}${where} : ${b.result}${took}${nv}${kept}`, MAX_LINE);
}

function cut(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  let out = text.slice(0, maxBytes);
  while (byteLength(`${out}…`) > maxBytes) out = out.slice(0, -1);
  return `${out}…`;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

export function resultMessage(pipeline: string, report: ResultReport, limit = MESSAGE_LIMIT_BYTES): string {
  const head = [report.verdict ?? verdictLine(pipeline, report.success)];
  // The detail comes from outside (git's or Gerrit's text): no control sequences in a comment.
  const detail = report.detail === undefined ? "" : terminalSafe(report.detail).replace(/\x1b\[[0-9;:]*m/g, "").trim();
  if (detail) head.push("", cut(detail, MAX_DETAIL));
  const lines = report.builds.map((b, i) => ({ i, text: buildLine(b), keep: b.result !== "SUCCESS" }));
  const compose = (kept: typeof lines, dropped: number) => {
    const body = kept.sort((a, b) => a.i - b.i).map((l) => l.text);
    if (dropped > 0) body.push(`- … and ${dropped} more job${dropped === 1 ? "" : "s"}${report.buildsetUrl ? ` : ${report.buildsetUrl}` : ""}`);
    const text = body.length > 0 ? `${head.join("\n")}\n\n${body.join("\n")}` : head.join("\n");
    // The change page's line is never dropped: it is where the dropped lines can be read.
    return report.changeUrl ? `${text}\n\nChange page: ${cut(report.changeUrl, MAX_LINE)}` : text;
  };
  let kept = [...lines];
  let text = compose([...kept], 0);
  if (byteLength(text) <= limit) return text;
  // Drop successful lines first (from the end), then the rest, until it fits.
  const order = [...lines.filter((l) => !l.keep).reverse(), ...lines.filter((l) => l.keep).reverse()];
  for (const victim of order) {
    kept = kept.filter((l) => l !== victim);
    text = compose([...kept], lines.length - kept.length);
    if (byteLength(text) <= limit) return text;
  }
  return cut(text, limit);
}
