/**
 * A faithful Gerrit for tests: REST-SUBSET.md's endpoints over real HTTP on 127.0.0.1, bare repos on
 * disk served by the real `git http-backend`, and a programmatic API to act as humans (upload, vote,
 * comment, abandon) and to inject faults.
 *
 * Lifecycle: `await GerritSimulator.start()` → use → `await sim.stop()` (idempotent; removes the temp
 * root it created). Requests are served concurrently; mutations are serialised.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitPath, serveGit } from "./http-backend.ts";
import type { SimAccount, SimChange, SimProject, SubmitRequirementDef, SubmitType } from "./model.ts";
import { type Fault, type StreamedBody, answerFault, rewriteJson } from "./faults.ts";
import { handleRest, text } from "./routes.ts";
import { applyReview } from "./review.ts";
import { submit } from "./submit.ts";
import { GerritState, type RecordedMerge, type RecordedReview } from "./state.ts";

export type { Fault, StreamedBody };

export interface SimulatorOptions {
  port?: number;
  /** Where bare repos live; a temp dir (removed on stop) by default. */
  root?: string;
  clock?: () => number;
  ciUsername?: string;
  ciPassword?: string;
  /** Submit requirements (default Code-Review +2 and Verified +2; add Workflow +1 to make it one). */
  requirements?: SubmitRequirementDef[];
  /** Unknown labels in a review are a 400 instead of being dropped (`change.strictLabels`). */
  strictLabels?: boolean;
}

export interface Credentials {
  username: string;
  password: string;
  accountId: number;
}

export class GerritSimulator {
  readonly requests: { method: string; path: string; status: number }[] = [];
  /** Unexpected exceptions inside the simulator (answered 500); tests may assert this stays empty. */
  readonly errors: unknown[] = [];
  /** The huge bodies streamed for `hugeBodyBytes` faults, with how much of each went out. */
  readonly streamed: StreamedBody[] = [];
  private faults: (Fault & { left: number })[] = [];
  private server?: ReturnType<typeof Bun.serve>;
  private ownsRoot = false;

  private constructor(
    readonly state: GerritState,
    readonly ci: Credentials,
  ) {}

  static async start(opts: SimulatorOptions = {}): Promise<GerritSimulator> {
    const root = opts.root ?? (await mkdtemp(join(tmpdir(), "gerrit-sim-")));
    let url = "";
    const state = new GerritState(root, () => url, opts.clock);
    if (opts.requirements) state.requirements = opts.requirements;
    if (opts.strictLabels) state.strictLabels = true;
    const everything = { "Code-Review": { min: -2, max: 2 }, Verified: { min: -2, max: 2 }, Workflow: { min: -1, max: 1 } };
    const human = { "Code-Review": { min: -2, max: 2 }, Verified: { min: -1, max: 1 }, Workflow: { min: -1, max: 1 } };
    state.addAccount({ id: 1000000, username: "admin", name: "Administrator", ranges: everything, canSubmit: true, httpPassword: "admin-secret" });
    state.addAccount({ id: 1000096, username: "ann", name: "Ann", ranges: human, httpPassword: "ann-secret" });
    state.addAccount({ id: 1000097, username: "bob", name: "Bob", ranges: human, httpPassword: "bob-secret" });
    const ciPassword = opts.ciPassword ?? "ci-http-password-0123";
    const ci = state.addAccount({
      id: 1000200,
      username: opts.ciUsername ?? "gatebox",
      name: "gatebox CI",
      ranges: { Verified: { min: -2, max: 2 } },
      canSubmit: true,
      httpPassword: ciPassword,
    });
    const sim = new GerritSimulator(state, { username: ci.username, password: ciPassword, accountId: ci.id });
    sim.ownsRoot = opts.root === undefined;
    sim.server = Bun.serve({ hostname: "127.0.0.1", port: opts.port ?? 0, fetch: (req) => sim.handle(req), idleTimeout: 60 });
    url = `http://127.0.0.1:${sim.server.port}`;
    return sim;
  }

  get url(): string {
    return this.state.webUrl();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await server.stop(true);
    if (this.ownsRoot) {
      this.ownsRoot = false;
      await rm(this.state.root, { recursive: true, force: true });
    }
  }

  /** Queue a fault for the next matching request(s). */
  inject(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Drops faults that no request consumed; returns how many there were. */
  clearFaults(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  failNext(status = 500, times = 1, match?: RegExp): void {
    this.inject({ status, body: status >= 500 ? "Internal server error" : "Injected failure", times, ...(match ? { match } : {}) });
  }

  malformNext(match?: RegExp): void {
    this.inject({ malformed: true, ...(match ? { match } : {}) });
  }

  /** The next submit answers 409 with `body` (Gerrit's text) without merging. */
  refuseNextSubmit(body = "Failed to submit 1 change due to the following problems:\nChange could not be merged due to a path conflict."): void {
    this.inject({ match: /^POST .*\/submit$/, status: 409, body });
  }

  get reviews(): readonly RecordedReview[] {
    return this.state.reviews;
  }

  get merges(): readonly RecordedMerge[] {
    return this.state.merges;
  }

  createProject(
    name: string,
    opts: { submitType?: SubmitType; files?: Record<string, string>; branch?: string; anonymousRead?: boolean } = {},
  ): Promise<SimProject> {
    return this.state.createProject(name, opts);
  }

  uploadChange(project: string, opts: Parameters<GerritState["uploadChange"]>[1]): Promise<number> {
    return this.state.uploadChange(project, opts);
  }

  uploadPatchset(number: number, opts: Parameters<GerritState["uploadPatchset"]>[1]): Promise<number> {
    return this.state.uploadPatchset(number, opts);
  }

  approve(number: number, label: string, value: number, account = "bob"): Promise<void> {
    return this.state.exclusive(() => {
      const c = this.state.change(number);
      applyReview(this.state, c, c.patchsets.length, this.state.account(account), { labels: { [label]: value } });
    });
  }

  comment(number: number, message: string, account = "bob", labels?: Record<string, number>): Promise<void> {
    return this.state.exclusive(() => {
      const c = this.state.change(number);
      applyReview(this.state, c, c.patchsets.length, this.state.account(account), { message, ...(labels ? { labels } : {}) });
    });
  }

  abandon(number: number, reason?: string, account = "ann"): Promise<void> {
    return this.state.exclusive(() => this.state.setStatus(this.state.change(number), "ABANDONED", this.state.account(account), reason));
  }

  restore(number: number, account = "ann"): Promise<void> {
    return this.state.exclusive(() => this.state.setStatus(this.state.change(number), "NEW", this.state.account(account)));
  }

  setWip(number: number, wip: boolean): Promise<void> {
    return this.state.exclusive(() => {
      const c = this.state.change(number);
      c.wip = wip;
      this.state.touch(c);
    });
  }

  /** Merges a change as a person would outside gatebox: `account` votes what the submit requirements need, then submits. */
  merge(number: number, account = "admin"): Promise<void> {
    return this.state.exclusive(async () => {
      const c = this.state.change(number);
      const who = this.state.account(account);
      const labels = Object.fromEntries(this.state.requirements.map((r) => [r.label, r.atLeast]));
      applyReview(this.state, c, c.patchsets.length, who, { labels });
      await submit(this.state, c, who);
    });
  }

  setSubmitType(project: string, type: SubmitType): void {
    this.state.project(project).submitType = type;
  }

  change(number: number): SimChange {
    return this.state.change(number);
  }

  /** The SHA a branch points at in the bare repo. */
  async branchTip(project: string, branch = "main"): Promise<string> {
    const { gitOk } = await import("./git.ts");
    return gitOk(this.state.project(project).dir, ["rev-parse", `refs/heads/${branch}`]);
  }

  private authenticate(req: Request): SimAccount | undefined {
    const header = req.headers.get("authorization");
    const m = header ? /^Basic\s+(.+)$/i.exec(header) : null;
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    for (const a of this.state.accounts.values()) {
      if (a.username === user && a.httpPassword !== undefined && a.httpPassword === password) return a;
    }
    return undefined;
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => !f.match || f.match.test(`${method} ${path}`));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.left -= 1;
    if (f.left <= 0) this.faults.splice(i, 1);
    return f;
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const authed = url.pathname === "/a" || url.pathname.startsWith("/a/");
    const path = authed ? url.pathname.slice(2) || "/" : url.pathname;
    let res: Response;
    try {
      res = await this.respond(req, url, path, authed);
    } catch (err) {
      // A bug in the simulator: answer like Gerrit does, keep the details for the test to show.
      this.errors.push(err);
      res = text(500, "Internal server error");
    }
    this.requests.push({ method: req.method, path: url.pathname + url.search, status: res.status });
    return res;
  }

  private async respond(req: Request, url: URL, path: string, authed: boolean): Promise<Response> {
    let who: SimAccount | undefined;
    if (authed) {
      who = this.authenticate(req);
      if (!who) return text(401, "Unauthorized", { "WWW-Authenticate": 'Basic realm="Gerrit Code Review"' });
    }
    const fault = this.takeFault(req.method, path + decodeURIComponent(url.search.replace(/\+/g, " ")));
    if (fault?.delayMs) await Bun.sleep(fault.delayMs);
    const faulty = fault && answerFault(fault, url, this.streamed);
    if (faulty) return faulty;
    const res = await this.answer(req, path, who);
    return fault?.rewrite ? rewriteJson(res, fault.rewrite) : res;
  }

  private async answer(req: Request, path: string, who: SimAccount | undefined): Promise<Response> {
    const g = gitPath(path);
    if (g && this.state.projects.has(g.project)) {
      if (!who && !this.state.project(g.project).anonymousRead) {
        return text(401, "Unauthorized", { "WWW-Authenticate": 'Basic realm="Gerrit Code Review"' });
      }
      return serveGit(req, this.state.root, g.project, g.suffix, who?.username);
    }
    return handleRest(this.state, req, path, who);
  }
}
