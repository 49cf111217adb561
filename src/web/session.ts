import { createHash, randomBytes } from "node:crypto";

/**
 * Admin sessions in the browser (docs/web.md, "Admin in the browser"): kept in this process's
 * memory only, so a restart signs everyone out. The cookie carries a random session id, never the
 * admin token. Times are unix seconds, given by the caller (the web's clock).
 */

export const SESSION_COOKIE = "gatebox_session";
/** How long a session lasts from sign-in: 12 hours, not extended by use. */
export const SESSION_LIFETIME_S = 12 * 3600;
/** More sessions than this and the oldest goes: memory stays bounded whoever signs in. */
export const MAX_SESSIONS = 1000;

export interface Session {
  /** Safe to log and show: the first 8 hex digits of the id's SHA-256, not of the id itself. */
  label: string;
  /** The session's CSRF token: state-changing requests made with the cookie must send it back. */
  csrf: string;
  /** Where the sign-in came from. */
  address: string;
  /** Unix seconds. */
  expiresAt: number;
}

const digest = (id: string) => createHash("sha256").update(id).digest("hex");
const randomToken = () => randomBytes(32).toString("base64url");

export class SessionStore {
  /**
   * Keyed by the id's SHA-256: a lookup's timing depends on the hash, not on how much of a
   * guessed id matches a real one, so ids are in effect compared in constant time.
   */
  private readonly byDigest = new Map<string, Session>();

  constructor(private readonly lifetime = SESSION_LIFETIME_S, private readonly max = MAX_SESSIONS) {}

  /** A new session; `id` goes in the cookie and nowhere else. */
  create(now: number, address: string): { id: string; session: Session } {
    this.sweep(now);
    while (this.byDigest.size >= this.max) {
      const oldest = this.byDigest.keys().next().value;
      if (oldest === undefined) break;
      this.byDigest.delete(oldest);
    }
    const id = randomToken();
    const key = digest(id);
    const session: Session = { label: key.slice(0, 8), csrf: randomToken(), address, expiresAt: now + this.lifetime };
    this.byDigest.set(key, session);
    return { id, session };
  }

  /** The live session a cookie names; null for no cookie, an unknown id or an expired session (then forgotten). */
  find(id: string | undefined, now: number): Session | null {
    if (id === undefined || id === "" || id.length > 200) return null;
    const key = digest(id);
    const session = this.byDigest.get(key);
    if (!session) return null;
    if (session.expiresAt <= now) {
      this.byDigest.delete(key);
      return null;
    }
    return session;
  }

  /** Signs a session out; false when there was none. */
  end(id: string | undefined): boolean {
    if (id === undefined || id === "" || id.length > 200) return false;
    return this.byDigest.delete(digest(id));
  }

  get size(): number {
    return this.byDigest.size;
  }

  private sweep(now: number): void {
    for (const [key, s] of this.byDigest) if (s.expiresAt <= now) this.byDigest.delete(key);
  }
}

export interface SigninLimits {
  /** Failed sign-ins allowed from one address per window. */
  perAddress: number;
  /** Failed sign-ins allowed from everywhere together per window (many addresses, one attacker). */
  overall: number;
  /** Seconds. */
  window: number;
}

export const SIGNIN_LIMITS: SigninLimits = { perAddress: 5, overall: 30, window: 60 };

/**
 * Bounds guessing the admin token through the sign-in form: after `perAddress` wrong tokens from
 * one address within the window, or `overall` from everywhere, sign-ins are refused (whatever
 * token they carry) until the oldest failure is a window old.
 */
export class SigninLimiter {
  private readonly byAddress = new Map<string, number[]>();
  private all: number[] = [];

  constructor(private readonly limits: SigninLimits = SIGNIN_LIMITS) {}

  /** Seconds to wait before `address` may try again; 0 when it may now. */
  wait(address: string, now: number): number {
    this.prune(now);
    const mine = this.byAddress.get(address) ?? [];
    const waits = [0];
    if (mine.length >= this.limits.perAddress) waits.push(mine[0]! + this.limits.window - now);
    if (this.all.length >= this.limits.overall) waits.push(this.all[0]! + this.limits.window - now);
    return Math.max(...waits.map((w) => Math.ceil(w)));
  }

  /** Counts a wrong token from `address`; returns how many it sent within the window. */
  failed(address: string, now: number): number {
    this.prune(now);
    const mine = this.byAddress.get(address) ?? [];
    mine.push(now);
    this.byAddress.set(address, mine);
    this.all.push(now);
    return mine.length;
  }

  private prune(now: number): void {
    const fresh = (t: number) => t > now - this.limits.window;
    this.all = this.all.filter(fresh);
    for (const [address, times] of this.byAddress) {
      const kept = times.filter(fresh);
      if (kept.length === 0) this.byAddress.delete(address);
      else this.byAddress.set(address, kept);
    }
  }
}
