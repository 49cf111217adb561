import type { ChangeLookup, ChangeState, ChangeStateLookup, ChangeStatus, Dependency, Votes } from "../source.ts";
import { schedulerChange } from "../source.ts";
import { InputError } from "../../errors.ts";
import type { GerritClient } from "./client.ts";
import { GerritHttpError } from "./errors.ts";
import { changeUrl, toSourceChange } from "./translate.ts";

/** What a change record needs: its current patchset, its commit message (Depends-On), its owner's name. */
export const CHANGE_OPTIONS = ["CURRENT_REVISION", "CURRENT_COMMIT", "DETAILED_ACCOUNTS"] as const;

/** What the change page needs: the current patchset, every vote on it (`all[]`), the owner's name. */
export const STATE_OPTIONS = ["CURRENT_REVISION", "LABELS", "DETAILED_LABELS", "DETAILED_ACCOUNTS"] as const;

/**
 * The driver's questions about a change, answered by Gerrit's REST API (REST-SUBSET.md): a change
 * read directly (not from the index), open changes by Change-Id, current votes; and the web's
 * question, a change's state (status, work in progress, votes) for the change page.
 */
export class GerritLookup implements ChangeLookup, ChangeStateLookup {
  constructor(
    private readonly client: Pick<GerritClient, "change" | "query">,
    /** Gerrit's web address, for change links. */
    private readonly webUrl: string,
    /** Changes of other projects are not gatebox's to follow. */
    private readonly projects: readonly string[],
  ) {}

  async change(number: number, project = ""): Promise<{ status: ChangeStatus; record: ReturnType<typeof schedulerChange>; dependsOn: Dependency[] }> {
    const c = await this.client.change(project, number, CHANGE_OPTIONS).catch(unknownChange(number));
    const source = toSourceChange(c, this.webUrl);
    return { status: c.status, record: schedulerChange(c.project, c.branch, source), dependsOn: source.dependsOn };
  }

  async openByChangeId(changeId: string): Promise<number[]> {
    const found = await this.client.query(`change:${changeId} status:open`, []);
    return found.filter((c) => this.projects.includes(c.project)).map((c) => c.number);
  }

  async votes(project: string, number: number): Promise<Votes> {
    const change = await this.client.change(project, number, ["CURRENT_REVISION", "DETAILED_LABELS"]);
    const votes: Votes = {};
    for (const v of change.votes) votes[v.label] = [...(votes[v.label] ?? []), v.value];
    return votes;
  }

  async state(number: number): Promise<ChangeState> {
    const c = await this.client.change("", number, STATE_OPTIONS).catch(unknownChange(number));
    const votes: Votes = {};
    for (const v of c.votes) votes[v.label] = [...(votes[v.label] ?? []), v.value];
    const owner = c.owner.name ?? c.owner.username ?? String(c.owner.accountId);
    return {
      number: c.number,
      project: c.project,
      branch: c.branch,
      status: c.status,
      wip: c.wip,
      patchset: c.patchset ?? 0,
      subject: c.subject,
      url: changeUrl(this.webUrl, c.project, c.number),
      owner,
      votes,
    };
  }
}

/** Gerrit's 404 for a change is the asker's mistake (a number Gerrit does not have), not ours. */
function unknownChange(number: number): (err: unknown) => never {
  return (err) => {
    if (err instanceof GerritHttpError && err.status === 404) throw new InputError(`change: ${number} does not exist in Gerrit (or the CI account cannot see it)`);
    throw err;
  };
}
