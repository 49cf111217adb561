import type { PipelineConfig, ReporterAction } from "../../config/model.ts";
import type { Change, JobReport } from "../../scheduler/index.ts";
import { changeMeta, isChangeMeta, type Reporter, type ReportCommand, type ReportOptions, type SubmitAnswer } from "../source.ts";
import { SubmitRefused } from "./errors.ts";
import type { BuildSummary, ResultReport } from "./report-format.ts";
import type { GerritReporter, PipelineReporting, ReportTarget } from "./reporter.ts";

/**
 * The pipelines' reporters (start/success/failure actions of the config) carried out on Gerrit.
 * Silent pipelines (no actions) post nothing. A `dequeued` item is not reported (it left by an
 * event, not by its result); an infrastructure `error` is reported without a vote.
 */
export class GerritPipelineReporter implements Reporter {
  /**
   * `webUrl`: gatebox's public web address, for the status and build links in messages;
   * `artifactsOf`: the files a build kept (relative paths), linked from its job's line.
   */
  constructor(
    private readonly gerrit: GerritReporter,
    private readonly webUrl: string,
    private readonly artifactsOf: (buildId: string) => readonly string[] = () => [],
  ) {}

  async start(pipeline: PipelineConfig, change: Change): Promise<void> {
    const action = pipeline.start;
    if (!action) return;
    await this.gerrit.reportStart(target(change), {
      ...reporting(pipeline, action),
      startVote: firstVote(action),
      startMessage: action.comment,
      statusUrl: `${this.webUrl}/?change=${change.id}`,
    });
  }

  async report(pipeline: PipelineConfig, report: ReportCommand, options: ReportOptions = {}): Promise<SubmitAnswer | null> {
    const success = report.result === 1;
    const action = success ? pipeline.success : pipeline.failure;
    if (report.result === "dequeued" || !action) return report.submit ? { ok: true } : null;
    const vote = report.result === "error" ? undefined : firstVote(action);
    const p: PipelineReporting = {
      ...reporting(pipeline, action),
      ...(success ? { successVote: vote } : { failureVote: vote }),
      submit: report.submit && action.submit,
    };
    const result: ResultReport = {
      success,
      ...verdict(pipeline.name, report),
      // Jobs that never started (a merge that failed, a dependency that left) are not news.
      builds: report.jobs.filter((j) => j.status !== "waiting").map((j) => this.summary(j)),
      ...this.changePage(report.change),
    };
    try {
      const where = { ...target(report.change), since: report.enqueuedAt * 1000 };
      const outcome = await this.gerrit.reportResult(where, p, result, options);
      if (!report.submit) return null;
      if (outcome.kind === "merged") return { ok: true, ...(outcome.change.revision ? { revision: outcome.change.revision } : {}) };
      if (!action.submit) return { ok: true };
      if (outcome.kind === "stale") return { ok: false, reason: "a newer patchset was uploaded; the tested one was not submitted" };
      if (outcome.kind === "closed") return outcome.status === "MERGED" ? { ok: true } : { ok: false, reason: `the change is ${outcome.status.toLowerCase()}` };
      return { ok: false, reason: "Gerrit did not submit the change" };
    } catch (err) {
      if (err instanceof SubmitRefused) return { ok: false, reason: err.gerritText };
      throw err;
    }
  }

  /** gatebox's page of the change: its history in every pipeline, and why it is in none. */
  private changePage(change: Change): Pick<ResultReport, "changeUrl"> {
    return this.webUrl && isChangeMeta(change.meta) ? { changeUrl: `${this.webUrl}/changes/${change.meta.number}` } : {};
  }

  /** A job's line: its result, how long it ran and where its log is. */
  private summary(j: JobReport): BuildSummary {
    return {
      job: j.job,
      result: j.status,
      voting: j.voting,
      ...(j.startedAt !== null && j.endedAt !== null ? { durationMs: (j.endedAt - j.startedAt) * 1000 } : {}),
      ...(j.buildId !== null ? { logUrl: `${this.webUrl}/builds/${j.buildId}` } : {}),
      ...(j.buildId !== null ? { artifacts: this.links(String(j.buildId)) } : {}),
    };
  }

  private links(buildId: string): { name: string; url: string }[] {
    return this.artifactsOf(buildId).map((path) => ({
      name: path,
      url: `${this.webUrl}/builds/${encodeURIComponent(buildId)}/artifacts/${path.split("/").map(encodeURIComponent).join("/")}`,
    }));
  }
}

function target(change: Change): ReportTarget {
  const meta = changeMeta(change);
  return { project: change.project, number: meta.number, revision: meta.revision, patchset: meta.patchset };
}

function reporting(pipeline: PipelineConfig, action: ReporterAction): PipelineReporting {
  const label = Object.keys(action.labels)[0];
  return { pipeline: pipeline.name, ...(label ? { label } : {}) };
}

function firstVote(action: ReporterAction): number | undefined {
  return Object.values(action.labels)[0];
}

function verdict(pipeline: string, report: ReportCommand): Pick<ResultReport, "verdict" | "detail"> {
  switch (report.result) {
    case "merge-conflict":
      return { verdict: `Merge failed (${pipeline} pipeline): the change cannot be merged.`, detail: report.reason };
    case "merge-failure":
      return { verdict: `Build succeeded but Gerrit refused to merge the change (${pipeline} pipeline).`, detail: report.reason };
    case "error":
      return { verdict: `Build could not run (${pipeline} pipeline): an infrastructure error, not the change's fault.`, detail: report.reason };
    case -1:
      return report.reason ? { detail: report.reason } : {};
    default:
      return report.provedBy ? { detail: provedByLine(report) } : {};
  }
}

/** Adaptive: a change landed on another item's passing state (a batch) says which, and what it held. */
function provedByLine(report: ReportCommand): string {
  const state = report.state ? `: on the state ${report.state.join(", ")}` : "";
  return `Tested together with change ${report.provedBy?.changeId}${state}.`;
}
