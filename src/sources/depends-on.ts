/**
 * Parses `Depends-On:` footers from a commit message (REST-SUBSET.md, "Commit-message footers").
 * A small parser local to the Source room so TriggerEvents are self-contained; the merger has its own
 * resolver in src/merger/ that decides what the dependencies mean.
 */
import type { Dependency } from "./source.ts";

const LINE = /^\s*depends-on:\s*(\S+)\s*$/gim;

/** The change number in a change URL: `<base>/1200`, `<base>/#/c/1200/`, `<base>/c/org/p/+/1200`. */
export function changeNumberFromUrl(url: string): number | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const hash = /^#\/c\/(?:.*\/\+\/)?(\d+)\/?/.exec(parsed.hash);
  if (hash) return Number(hash[1]);
  const path = parsed.pathname.replace(/\/+$/, "");
  const plus = /\/\+\/(\d+)(?:\/\d+)?$/.exec(path);
  if (plus) return Number(plus[1]);
  const bare = /\/(?:c\/)?(\d+)$/.exec(path);
  if (bare) return Number(bare[1]);
  return undefined;
}

/** Every Depends-On in the message, in order, without duplicates; unparseable values are skipped. */
export function parseDependsOn(message: string): Dependency[] {
  const out: Dependency[] = [];
  const seen = new Set<string>();
  for (const m of message.matchAll(LINE)) {
    const value = m[1]!;
    let dep: Dependency | undefined;
    if (/^I[0-9a-f]{40}$/.test(value)) {
      dep = { kind: "change-id", changeId: value };
    } else {
      const number = changeNumberFromUrl(value);
      if (number !== undefined) dep = { kind: "url", url: value, host: new URL(value).host, number };
    }
    if (!dep) continue;
    const key = dep.kind === "url" ? `${dep.host}#${dep.number}` : dep.changeId;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(dep);
  }
  return out;
}
