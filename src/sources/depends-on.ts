/**
 * `Depends-On:` footers (a convention of gating systems, not of Gerrit): pure parsing, no I/O.
 * Lines matching `Depends-On:` case-insensitively, anywhere in the message; values are a change
 * URL (`<base>/1200`, `<base>/#/c/1200/`, `<base>/c/org/other/+/1200`, optionally with a
 * patchset, trailing slash, query or angle brackets) or a Change-Id (`I` + 40 hex digits).
 * The host picks the connection and the number the change, at its current patchset.
 * One parser for the whole of gatebox: the source puts its result on TriggerEvents.
 */
import type { Dependency } from "./source.ts";

export type DependsOn =
  | {
      readonly kind: "url";
      /** The value as written. */
      readonly url: string;
      /** Host (with port) that picks the Gerrit connection. */
      readonly host: string;
      /** Scheme, host and any path prefix of the Gerrit web UI, without a trailing slash. */
      readonly baseUrl: string;
      readonly number: number;
      /** Present only in the `/c/<project>/+/<n>` form. */
      readonly project?: string;
    }
  | {
      readonly kind: "change-id";
      /** Names every open change with this Change-Id (unique only per project and branch). */
      readonly changeId: string;
    };

export interface DependsOnFooters {
  readonly dependencies: readonly DependsOn[];
  /** Depends-On values that are neither a change URL nor a Change-Id (to tell the user). */
  readonly unparsed: readonly string[];
}

const FOOTER = /^[ \t]*depends-on[ \t]*:[ \t]*(.*?)[ \t]*$/gim;
const CHANGE_ID = /^I[0-9a-f]{40}$/i;

export function parseDependsOnFooters(message: string): DependsOnFooters {
  const dependencies: DependsOn[] = [];
  const unparsed: string[] = [];
  const seen = new Set<string>();
  for (const match of message.matchAll(FOOTER)) {
    const value = (match[1] ?? "").replace(/^<(.*)>$/, "$1").trim();
    if (value === "") continue;
    const dependency = parseValue(value);
    if (!dependency) {
      unparsed.push(value);
      continue;
    }
    const key =
      dependency.kind === "url" ? `url ${dependency.baseUrl} ${dependency.number}` : `id ${dependency.changeId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    dependencies.push(dependency);
  }
  return { dependencies, unparsed };
}

function parseValue(value: string): DependsOn | undefined {
  if (CHANGE_ID.test(value)) return { kind: "change-id", changeId: `I${value.slice(1).toLowerCase()}` };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const path = url.pathname.replace(/\/+$/, "");
  // The old UI: everything after '#' is the route, the path before it is the base.
  const hash = url.hash.match(/^#\/c\/(?:(.+)\/\+\/)?(\d+)(?:\/[^/]*)*\/?$/);
  if (hash) return urlDependency(value, url, path, Number(hash[2]), hash[1]);
  const withProject = path.match(/^(.*)\/c\/(.+)\/\+\/(\d+)(?:\/\d+)?$/);
  if (withProject) return urlDependency(value, url, withProject[1]!, Number(withProject[3]), withProject[2]);
  const shortC = path.match(/^(.*)\/c\/(\d+)(?:\/\d+)?$/);
  if (shortC) return urlDependency(value, url, shortC[1]!, Number(shortC[2]));
  const bare = path.match(/^(.*)\/(\d+)$/);
  if (bare) return urlDependency(value, url, bare[1]!, Number(bare[2]));
  return undefined;
}

function urlDependency(value: string, url: URL, prefix: string, number: number, project?: string): DependsOn {
  const base = `${url.protocol}//${url.host}${prefix}`;
  return project === undefined
    ? { kind: "url", url: value, host: url.host, baseUrl: base, number }
    : { kind: "url", url: value, host: url.host, baseUrl: base, number, project: decodeURIComponent(project) };
}

/** The dependencies of a TriggerEvent, in order, without duplicates; unparseable values are skipped. */
export function parseDependsOn(message: string): Dependency[] {
  return parseDependsOnFooters(message).dependencies.map((d) =>
    d.kind === "url" ? { kind: "url", url: d.url, host: d.host, number: d.number } : { kind: "change-id", changeId: d.changeId },
  );
}

/** The change number in a change URL: `<base>/1200`, `<base>/#/c/1200/`, `<base>/c/org/p/+/1200`. */
export function changeNumberFromUrl(url: string): number | undefined {
  const d = parseValue(url.trim());
  return d?.kind === "url" ? d.number : undefined;
}
