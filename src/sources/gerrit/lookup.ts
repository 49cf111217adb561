import type { ChangeLookup, ChangeStatus, Dependency, Votes } from "../source.ts";
import { schedulerChange } from "../source.ts";
import { InputError } from "../../errors.ts";
import type { GerritClient } from "./client.ts";
import { GerritHttpError } from "./errors.ts";
import { toSourceChange } from "./translate.ts";

/** What a change record needs: its current patchset, its commit message (Depends-On), its owner's name. */
export const CHANGE_OPTIONS = ["CURRENT_REVISION", "CURRENT_COMMIT", "DETAILED_ACCOUNTS"] as const;

/**
 * The driver's questions about a change, answered by Gerrit's REST API (REST-SUBSET.md): a change
 * read directly (not from the index), open changes by Change-Id, current votes.
 */
export class GerritLookup implements ChangeLookup {
  constructor(
    private readonly client: Pick<GerritClient, "change" | "query">,
    /** Gerrit's web address, for change links. */
    private readonly webUrl: string,
    /** Changes of other projects are not gatebox's to follow. */
    private readonly projects: readonly string[],
  ) {}

  async change(number: number, project = ""): Promise<{ status: ChangeStatus; record: ReturnType<typeof schedulerChange>; dependsOn: Dependency[] }> {
    const c = await this.client.change(project, number, CHANGE_OPTIONS).catch((err: unknown) => {
      if (err instanceof GerritHttpError && err.status === 404) throw new InputError(`change: ${number} does not exist in Gerrit (or the CI account cannot see it)`);
      throw err;
    });
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
}
