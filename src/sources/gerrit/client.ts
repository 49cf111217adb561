/**
 * GerritClient: REST calls under `/a/` with HTTP Basic auth (REST-SUBSET.md). Strips the XSSI guard,
 * validates shapes, pages through `_more_changes`, times every request out, and retries 5xx/429/network
 * errors with exponential backoff. 4xx answers become typed errors carrying Gerrit's text, the method
 * and the path. The password never appears in a message, a log line or a URL, and goes only to the
 * configured origin (redirects are refused, never followed). Answers are read up to maxResponseBytes.
 *
 * Concurrency: stateless apart from its options; calls may run concurrently.
 * Retries apply to every method: a POST whose answer was lost is sent again, which Gerrit tolerates for
 * the calls gatebox makes (a repeated review re-applies the same votes; a repeated submit answers 409
 * "change is merged", which the reporter resolves by re-reading the change).
 */
import * as z from "zod";
import type { AccountRef } from "../source.ts";
import {
  GerritAuthError,
  GerritError,
  GerritHttpError,
  GerritRedirectError,
  GerritResponseError,
  GerritResponseTooLargeError,
  GerritUnreachableError,
} from "./errors.ts";
import { changeId, queryParams } from "./query.ts";
import {
  type GerritChange,
  type RelatedChange,
  type SkippedChange,
  describeSkipped,
  parseChangeRecord,
  toAccount,
  toChange,
  toRelatedChange,
} from "./translate.ts";
import {
  accountInfo,
  branchInfo,
  changeInfo,
  changeRecords,
  describeIssue,
  moreChanges,
  parseGerritJson,
  projectConfig,
  readCapped,
  redirectTarget,
  relatedInfo,
  reviewResult,
} from "./wire.ts";

export type { RelatedChange } from "./translate.ts";
export { XSSI_PREFIX, parseGerritJson } from "./wire.ts";

export interface GerritClientOptions {
  /** The server's base URL, e.g. `https://review.example.org` (no `/a`). */
  url: string;
  username: string;
  password: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt on 5xx, 429, timeouts and network errors (default 4). */
  retries?: number;
  /** First backoff delay, doubled each retry up to maxBackoffMs (defaults 500 ms, 15 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** The largest answer read (default 32 MiB); a bigger one is a GerritResponseTooLargeError, not read further. */
  maxResponseBytes?: number;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  /** Told how each HTTP exchange went (one per attempt, retries included), for metrics. */
  onExchange?: (outcome: ExchangeOutcome) => void;
}

/** How one HTTP exchange with Gerrit went: its status class, or why there was none. */
export type ExchangeOutcome = "ok" | "4xx" | "429" | "5xx" | "timeout" | "error";

export interface ReviewInput {
  message?: string;
  labels?: Record<string, number>;
  tag?: string;
  notify?: "NONE" | "OWNER" | "OWNER_REVIEWERS" | "ALL";
}

export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

const changeInfoArray = z.array(changeInfo);

export class GerritClient {
  readonly url: string;
  private readonly authHeader: string;
  private readonly doFetch: (input: string, init: RequestInit) => Promise<Response>;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: GerritClientOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.authHeader = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** One REST call; `path` starts with `/` and is relative to `/a`. Returns the parsed JSON (undefined for 204). */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const retries = this.opts.retries ?? 4;
    const maxBackoff = this.opts.maxBackoffMs ?? 15_000;
    let delay = this.opts.backoffMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      let answer: Answer;
      try {
        answer = await this.exchange(method, path, body);
        this.opts.onExchange?.(answer.status === 429 ? "429" : answer.status >= 500 ? "5xx" : answer.status >= 400 ? "4xx" : "ok");
      } catch (err) {
        this.opts.onExchange?.(isTimeout(err) ? "timeout" : "error");
        if (err instanceof GerritError) throw err; // refused by us (redirect, size cap): asking again changes nothing
        const why = isTimeout(err) ? `timed out after ${this.opts.timeoutMs ?? 30_000} ms` : describe(err);
        // A change (a review, a submit) that timed out may still be applied by Gerrit: sending it
        // again blindly could post it twice. The caller decides, after looking at the change.
        const ambiguous = method !== "GET" && isTimeout(err);
        if (last || ambiguous) throw new GerritUnreachableError(`Gerrit did not answer ${method} ${path}: ${why}`, method, path, { cause: err });
        this.opts.log?.(`gerrit: ${method} ${path} failed (${why}); retry ${attempt + 1}/${retries} in ${delay} ms`);
        await this.sleep(delay);
        delay = Math.min(delay * 2, maxBackoff);
        continue;
      }
      if (answer.status >= 500 || answer.status === 429) {
        if (last) throw new GerritHttpError(method, path, answer.status, answer.text.trim().slice(0, 2000));
        const retryAfter = Number(answer.headers.get("retry-after"));
        const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, maxBackoff) : delay;
        this.opts.log?.(`gerrit: ${method} ${path} answered ${answer.status}; retry ${attempt + 1}/${retries} in ${wait} ms`);
        await this.sleep(wait);
        delay = Math.min(delay * 2, maxBackoff);
        continue;
      }
      return interpret(method, path, answer);
    }
  }

  /**
   * One attempt: sends the request to the configured origin only, refuses redirects (the Authorization
   * header must never follow one), and reads at most maxResponseBytes of the answer.
   */
  private async exchange(method: string, path: string, body: unknown): Promise<Answer> {
    const url = `${this.url}/a${path}`;
    const headers: Record<string, string> = { Authorization: this.authHeader, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json; charset=UTF-8";
    const stop = new AbortController();
    const res = await this.doFetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      redirect: "manual",
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 30_000)]),
    });
    if (res.status >= 300 && res.status < 400) {
      stop.abort();
      await res.body?.cancel().catch(() => undefined);
      throw new GerritRedirectError(method, path, res.status, redirectTarget(res.headers.get("location"), url));
    }
    const limit = this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const text = await readCapped(res, limit, () => {
      stop.abort();
      return new GerritResponseTooLargeError(method, path, limit);
    });
    return { status: res.status, headers: res.headers, text };
  }

  /** A request whose answer must match `schema`; a mismatch is a GerritResponseError naming the endpoint. */
  async call<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const raw = await this.request(method, path, body);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const where = describeIssue(parsed.error, raw);
      throw new GerritResponseError(`Gerrit's answer to ${method} ${path} has an unexpected shape at ${where}`, method, path);
    }
    return parsed.data;
  }

  async self(): Promise<AccountRef> {
    return toAccount(await this.call(accountInfo, "GET", "/accounts/self"));
  }

  async serverVersion(): Promise<string> {
    return this.call(z.string(), "GET", "/config/server/version");
  }

  /**
   * Runs a query and pages through `_more_changes` (at most `maxPages` pages), deduplicating by number:
   * pages are not a snapshot, so a change may appear twice. Each record is validated on its own: one
   * that gatebox cannot read is skipped and handed to `onSkipped` (default: logged), the rest are kept.
   */
  async query(
    q: string,
    options: readonly string[],
    opts: { pageSize?: number; maxPages?: number; onSkipped?: (skipped: SkippedChange) => void } = {},
  ): Promise<GerritChange[]> {
    const pageSize = opts.pageSize ?? 100;
    const maxPages = opts.maxPages ?? 100;
    const onSkipped = opts.onSkipped ?? ((s) => this.opts.log?.(`gerrit: skipped ${describeSkipped(s, `the answer to query ${q}`)}`));
    const seen = new Map<number, GerritChange>();
    let skip = 0;
    for (let page = 0; page < maxPages; page++) {
      const records = await this.call(changeRecords, "GET", `/changes/?${queryParams(q, options, pageSize, skip)}`);
      records.forEach((raw, i) => {
        const read = parseChangeRecord(raw, skip + i + 1);
        if ("skipped" in read) onSkipped(read.skipped);
        else if (!seen.has(read.change.number)) seen.set(read.change.number, read.change);
      });
      skip += records.length;
      if (!moreChanges(records[records.length - 1])) break;
    }
    return [...seen.values()];
  }

  /** Reads one change directly (current even when the index lags). */
  async change(project: string, number: number, options: readonly string[]): Promise<GerritChange> {
    const params = new URLSearchParams();
    for (const o of options) params.append("o", o);
    const qs = options.length > 0 ? `?${params}` : "";
    return toChange(await this.call(changeInfo, "GET", `/changes/${changeId(project, number)}${qs}`));
  }

  async review(project: string, number: number, revision: string, input: ReviewInput): Promise<Record<string, number>> {
    const res = await this.call(reviewResult, "POST", `/changes/${changeId(project, number)}/revisions/${revision}/review`, input);
    return res.labels ?? {};
  }

  /** Revision-specific submit when `revision` is given (409 if the patchset moved on). */
  async submit(project: string, number: number, revision?: string): Promise<GerritChange> {
    const path = revision
      ? `/changes/${changeId(project, number)}/revisions/${revision}/submit`
      : `/changes/${changeId(project, number)}/submit`;
    return toChange(await this.call(changeInfo, "POST", path, {}));
  }

  async related(project: string, number: number, revision: string): Promise<RelatedChange[]> {
    const res = await this.call(relatedInfo, "GET", `/changes/${changeId(project, number)}/revisions/${revision}/related`);
    return res.changes.map(toRelatedChange);
  }

  async submittedTogether(project: string, number: number, options: readonly string[] = []): Promise<GerritChange[]> {
    const params = new URLSearchParams();
    for (const o of options) params.append("o", o);
    const qs = options.length > 0 ? `?${params}` : "";
    return (await this.call(changeInfoArray, "GET", `/changes/${changeId(project, number)}/submitted_together${qs}`)).map(toChange);
  }

  async branches(project: string): Promise<{ ref: string; revision: string }[]> {
    return this.call(branchInfo, "GET", `/projects/${encodeURIComponent(project)}/branches/`);
  }

  /** The project's submit type (`submit_type`, or `default_submit_type.value` on newer servers). */
  async submitType(project: string): Promise<string> {
    const cfg = await this.call(projectConfig, "GET", `/projects/${encodeURIComponent(project)}/config`);
    return cfg.default_submit_type?.value ?? cfg.submit_type ?? "MERGE_IF_NECESSARY";
  }

  /** The authenticated git URL of a project (slashes literal). Credentials go in gitAuthConfig(), never here. */
  gitUrl(project: string): string {
    return `${this.url}/a/${project}`;
  }

  /**
   * `-c` arguments for one git command: the Basic auth header, not stored anywhere on disk, and no
   * redirects (git's default `initial` would send the header to wherever Gerrit's first answer points).
   */
  gitAuthArgs(): string[] {
    return ["-c", `http.extraHeader=Authorization: ${this.authHeader}`, "-c", "http.followRedirects=false"];
  }

  /** The same as environment variables (GIT_CONFIG_COUNT, git ≥ 2.31): keeps the secret out of argv. */
  gitAuthEnv(): Record<string, string> {
    return {
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: ${this.authHeader}`,
      GIT_CONFIG_KEY_1: "http.followRedirects",
      GIT_CONFIG_VALUE_1: "false",
    };
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
}

/** A non-retryable answer: 4xx → typed error; 2xx → parsed JSON (undefined when empty). */
function interpret(method: string, path: string, answer: Answer): unknown {
  const { status, text } = answer;
  if (status === 401) throw new GerritAuthError(method, path, text.trim());
  if (status >= 400) throw new GerritHttpError(method, path, status, text.trim().slice(0, 4000));
  if (status === 204 || text.trim() === "") return undefined;
  try {
    return parseGerritJson(text);
  } catch (err) {
    throw new GerritResponseError(`Gerrit sent malformed JSON for ${method} ${path}: ${describe(err)}`, method, path, { cause: err });
  }
}
