import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The two checks every state-changing request made with the session cookie passes
 * (docs/web.md, "Admin in the browser"): it comes from gatebox's own pages (same origin), and it
 * carries the session's CSRF token, which only those pages can read. Pure: no request objects.
 */

/** The header the pages send the session's CSRF token in (the sign-out form sends field `csrf`). */
export const CSRF_HEADER = "x-gatebox-csrf";

/** Whether `given` is the session's token; constant time whatever the lengths. */
export function csrfMatches(expected: string, given: string | undefined | null): boolean {
  if (given === undefined || given === null || given === "" || expected === "") return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** What a request says about where it comes from. */
export interface RequestSource {
  /** The request's own URL (its origin is gatebox's as the client reached it). */
  url: string;
  /** `Sec-Fetch-Site`, set by every current browser. */
  secFetchSite?: string | undefined;
  /** `Origin`, sent by browsers on every POST. */
  origin?: string | undefined;
  /** `web.url`: behind a proxy that ends TLS, the origin people use differs from the request's. */
  webUrl?: string | undefined;
}

function originOf(url: string | undefined): string | null {
  if (url === undefined) return null;
  try {
    const o = new URL(url).origin;
    return o === "null" ? null : o;
  } catch {
    return null;
  }
}

/**
 * Why a request is not from gatebox's own pages, or null when it is. `Sec-Fetch-Site`, when
 * sent, must be `same-origin` (a page on another port of the same host is `same-site`, and
 * refused too). `Origin`, when it names one, must be the request's own origin or web.url's. The
 * pages' `Referrer-Policy: no-referrer` makes browsers send `Origin: null` on their own POSTs, so
 * `null` says nothing either way; a request from which neither header tells the origin is refused.
 */
export function crossSiteReason(req: RequestSource): string | null {
  const site = req.secFetchSite?.trim().toLowerCase();
  const origin = req.origin?.trim();
  if (site && site !== "same-origin") return `it comes from another site (Sec-Fetch-Site: ${site.slice(0, 40)})`;
  const named = origin && origin !== "null" ? origin : undefined;
  if (named) {
    const own = [originOf(req.url), originOf(req.webUrl)].filter((o) => o !== null);
    if (!own.includes(named)) return `it comes from another origin (Origin: ${named.slice(0, 100)})`;
  }
  if (!site && !named) return "the request does not show where it comes from (no Sec-Fetch-Site, and no Origin or a null one)";
  return null;
}
