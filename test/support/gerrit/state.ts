/**
 * The simulator's state and every mutation of it, shared by the REST handlers and the programmatic test
 * API. Each mutation that Gerrit would record in the change's meta ref bumps `updated` and `meta_rev_id`.
 * Not concurrency-safe across awaits by design: the server serialises mutations through `exclusive()`.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileInfos, initBare, revParse, updateRef, writeCommit } from "./git.ts";
import {
  DEFAULT_LABELS,
  DEFAULT_REQUIREMENTS,
  type LabelDef,
  type SimAccount,
  type SimChange,
  type SimProject,
  type SubmitRequirementDef,
  type SubmitType,
  changeRef,
  currentPatchset,
  newChangeId,
  newMessageId,
  newMetaRevId,
} from "./model.ts";

/** An HTTP answer the REST layer should send as a plain-text error. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text);
  }
}

export interface RecordedReview {
  change: number;
  patchset: number;
  account: string;
  labels: Record<string, number>;
  message?: string;
  tag?: string;
  notify?: string;
  /** The message as Gerrit recorded it: `Patch Set N: Verified+2\n\n…`. */
  recorded: string;
}

export interface RecordedMerge {
  change: number;
  project: string;
  branch: string;
  submitType: SubmitType;
  oldTip: string;
  newTip: string;
  /** The commit that landed for this change (differs from the patchset for rebases and cherry-picks). */
  landed: string;
}

export interface ReviewInput {
  message?: string;
  labels?: Record<string, number>;
  tag?: string;
  notify?: string;
}

export const MAX_MESSAGE_BYTES = 16 * 1024;

export class GerritState {
  readonly projects = new Map<string, SimProject>();
  readonly accounts = new Map<number, SimAccount>();
  readonly changes = new Map<number, SimChange>();
  readonly reviews: RecordedReview[] = [];
  readonly merges: RecordedMerge[] = [];
  labels: LabelDef[] = DEFAULT_LABELS;
  requirements: SubmitRequirementDef[] = DEFAULT_REQUIREMENTS;
  strictLabels = false;
  private nextNumber = 1;
  private nextAccountId = 1000096;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: string,
    readonly webUrl: () => string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whole seconds, as Gerrit's timestamps are in practice (they come from git commit times). */
  now(): number {
    return Math.floor(this.clock() / 1000) * 1000;
  }

  /** Runs mutations one after another, like Gerrit's per-change locking but global. */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  addAccount(a: Partial<SimAccount> & { username: string }): SimAccount {
    const account: SimAccount = {
      id: a.id ?? this.nextAccountId++,
      username: a.username,
      name: a.name ?? a.username,
      email: a.email ?? `${a.username}@example.org`,
      ranges: a.ranges ?? {},
      canSubmit: a.canSubmit ?? false,
      ...(a.httpPassword !== undefined ? { httpPassword: a.httpPassword } : {}),
    };
    this.accounts.set(account.id, account);
    return account;
  }

  account(username: string): SimAccount {
    for (const a of this.accounts.values()) if (a.username === username) return a;
    throw new Error(`simulator: no account ${username}`);
  }

  project(name: string): SimProject {
    const p = this.projects.get(name);
    if (!p) throw new SimHttpError(404, `Not found: ${name}`);
    return p;
  }

  change(number: number): SimChange {
    const c = this.changes.get(number);
    if (!c) throw new SimHttpError(404, `Not found: ${number}`);
    return c;
  }

  touch(change: SimChange): void {
    change.updated = this.now();
    change.metaRevId = newMetaRevId(`${change.number}`);
  }

  async createProject(
    name: string,
    opts: { submitType?: SubmitType; files?: Record<string, string>; branch?: string; owner?: string; anonymousRead?: boolean } = {},
  ): Promise<SimProject> {
    const dir = join(this.root, `${name}.git`);
    await mkdir(dirname(dir), { recursive: true });
    const branch = opts.branch ?? "main";
    await initBare(dir, branch);
    const who = this.account(opts.owner ?? "admin");
    const sha = await writeCommit(dir, {
      parents: [],
      files: opts.files ?? { "README.md": `# ${name}\n` },
      message: "Initial empty repository\n",
      author: { name: who.name, email: who.email, date: this.now() },
    });
    await updateRef(dir, `refs/heads/${branch}`, sha);
    // refs/meta/config, as on a real server (it shows in the branch list).
    const type = (opts.submitType ?? "MERGE_IF_NECESSARY").toLowerCase().replace(/_/g, " ");
    const config = await writeCommit(dir, {
      parents: [],
      files: { "project.config": `[submit]\n\taction = ${type}\n` },
      message: "Created project\n",
      author: { name: who.name, email: who.email, date: this.now() },
    });
    await updateRef(dir, "refs/meta/config", config);
    const project: SimProject = { name, submitType: opts.submitType ?? "MERGE_IF_NECESSARY", dir, anonymousRead: opts.anonymousRead ?? true };
    this.projects.set(name, project);
    return project;
  }

  async uploadChange(
    projectName: string,
    opts: {
      files: Record<string, string | null>;
      message: string;
      branch?: string;
      parent?: string;
      parentChange?: number;
      owner?: string;
      topic?: string;
      wip?: boolean;
    },
  ): Promise<number> {
    return this.exclusive(async () => {
      const project = this.project(projectName);
      const branch = opts.branch ?? "main";
      const parent = await this.resolveParent(project, branch, opts.parent, opts.parentChange);
      const owner = this.account(opts.owner ?? "ann");
      const changeId = /^Change-Id: (I[0-9a-f]{40})$/m.exec(opts.message)?.[1] ?? newChangeId();
      const number = this.nextNumber++;
      const now = this.now();
      const change: SimChange = {
        number,
        project: projectName,
        branch,
        changeId,
        owner: owner.id,
        status: "NEW",
        created: now,
        updated: now,
        wip: opts.wip ?? false,
        patchsets: [],
        votes: [],
        messages: [],
        reviewers: [],
        metaRevId: "",
        ...(opts.topic ? { topic: opts.topic } : {}),
      };
      await this.addPatchset(change, parent, opts.files, withChangeId(opts.message, changeId), owner);
      this.changes.set(number, change);
      return number;
    });
  }

  async uploadPatchset(
    number: number,
    opts: { files: Record<string, string | null>; message?: string; parent?: string; parentChange?: number; uploader?: string },
  ): Promise<number> {
    return this.exclusive(async () => {
      const change = this.change(number);
      if (change.status !== "NEW") throw new SimHttpError(409, `change ${number} is closed`);
      const project = this.project(change.project);
      const prev = currentPatchset(change);
      const parent =
        opts.parent !== undefined || opts.parentChange !== undefined
          ? await this.resolveParent(project, change.branch, opts.parent, opts.parentChange)
          : prev.parent;
      const message = withChangeId(opts.message ?? prev.message, change.changeId);
      await this.addPatchset(change, parent, opts.files, message, this.account(opts.uploader ?? "ann"));
      return currentPatchset(change).number;
    });
  }

  /** Records a patchset whose commit is `parent` + `files`; also used by rebasing submits. */
  async addPatchset(
    change: SimChange,
    parent: string,
    files: Record<string, string | null>,
    message: string,
    uploader: SimAccount,
    existingSha?: string,
  ): Promise<void> {
    const project = this.project(change.project);
    const now = this.now();
    const sha =
      existingSha ??
      (await writeCommit(project.dir, {
        parents: [parent],
        files,
        message,
        author: { name: uploader.name, email: uploader.email, date: now },
      }));
    const number = change.patchsets.length + 1;
    const ref = changeRef(change.number, number);
    await updateRef(project.dir, ref, sha);
    const subject = message.split("\n", 1)[0] ?? "";
    const fileInfo = await fileInfos(project.dir, parent, sha);
    change.patchsets.push({ number, sha, parent, created: now, uploader: uploader.id, ref, subject, message, authorDate: now, files: fileInfo });
    change.messages.push({
      id: newMessageId(),
      author: uploader.id,
      date: now,
      message: `Uploaded patch set ${number}.`,
      revision: number,
      tag: "autogenerated:gerrit:newPatchSet",
    });
    this.touch(change);
  }

  private async resolveParent(project: SimProject, branch: string, parent?: string, parentChange?: number): Promise<string> {
    if (parentChange !== undefined) return currentPatchset(this.change(parentChange)).sha;
    const rev = parent ?? `refs/heads/${branch}`;
    const sha = await revParse(project.dir, rev);
    if (!sha) throw new Error(`simulator: cannot resolve parent ${rev} in ${project.name}`);
    return sha;
  }

  setStatus(change: SimChange, status: "ABANDONED" | "NEW", account: SimAccount, reason?: string): void {
    if (status === "ABANDONED" && change.status !== "NEW") throw new SimHttpError(409, `change is ${change.status.toLowerCase()}`);
    if (status === "NEW" && change.status !== "ABANDONED") throw new SimHttpError(409, `change is ${change.status.toLowerCase()}`);
    change.status = status;
    const word = status === "ABANDONED" ? "Abandoned" : "Restored";
    change.messages.push({
      id: newMessageId(),
      author: account.id,
      date: this.now(),
      message: reason ? `${word}\n\n${reason}` : word,
      revision: currentPatchset(change).number,
      tag: status === "ABANDONED" ? "autogenerated:gerrit:abandon" : "autogenerated:gerrit:restore",
    });
    this.touch(change);
  }
}

/** Appends a `Change-Id:` footer unless the message already has one. */
export function withChangeId(message: string, changeId: string): string {
  if (/^Change-Id: I[0-9a-f]{40}$/m.test(message)) return message.endsWith("\n") ? message : `${message}\n`;
  const trimmed = message.replace(/\s+$/, "");
  const paragraphs = trimmed.split(/\n\n/);
  const last = paragraphs[paragraphs.length - 1] ?? "";
  const footerBlock = paragraphs.length > 1 && last.split("\n").every((l) => /^[A-Za-z][A-Za-z0-9-]*: /.test(l));
  return `${trimmed}${footerBlock ? "\n" : "\n\n"}Change-Id: ${changeId}\n`;
}
