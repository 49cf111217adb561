import { describe, expect, it } from "vitest";
import { SESSION_LIFETIME_S, SessionStore, SigninLimiter } from "../../../src/web/session.ts";

const T = 1_750_000_000;

describe("SessionStore", () => {
  it("finds a session by the id it gave, with a random id and CSRF token each time", () => {
    const store = new SessionStore();
    const a = store.create(T, "127.0.0.1");
    const b = store.create(T, "127.0.0.1");
    expect(a.id).not.toBe(b.id);
    expect(a.session.csrf).not.toBe(b.session.csrf);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.find(a.id, T + 1)).toBe(a.session);
    expect(a.session.label).toMatch(/^[0-9a-f]{8}$/);
    // The label is safe to log: it is not a piece of the id.
    expect(a.id).not.toContain(a.session.label);
  });

  it("knows nothing of ids it did not give, nor of prefixes or empty ones", () => {
    const store = new SessionStore();
    const { id } = store.create(T, "x");
    for (const guess of [undefined, "", id.slice(0, -1), `${id}x`, id.toUpperCase(), "a".repeat(5000)]) expect(store.find(guess, T)).toBeNull();
  });

  it("expires a session 12 hours after sign-in, and forgets it", () => {
    const store = new SessionStore();
    const { id, session } = store.create(T, "x");
    expect(session.expiresAt).toBe(T + SESSION_LIFETIME_S);
    expect(SESSION_LIFETIME_S).toBe(12 * 3600);
    expect(store.find(id, T + SESSION_LIFETIME_S - 1)).not.toBeNull();
    expect(store.find(id, T + SESSION_LIFETIME_S)).toBeNull();
    expect(store.size).toBe(0);
  });

  it("ends a session on sign-out", () => {
    const store = new SessionStore();
    const { id } = store.create(T, "x");
    expect(store.end(id)).toBe(true);
    expect(store.find(id, T)).toBeNull();
    expect(store.end(id)).toBe(false);
  });

  it("keeps at most `max` sessions, dropping the oldest", () => {
    const store = new SessionStore(3600, 3);
    const ids = [0, 1, 2, 3].map((i) => store.create(T + i, "x").id);
    expect(store.size).toBe(3);
    expect(store.find(ids[0], T + 5)).toBeNull();
    expect(store.find(ids[3], T + 5)).not.toBeNull();
  });
});

describe("SigninLimiter", () => {
  const limits = { perAddress: 3, overall: 5, window: 60 };

  it("refuses an address after its cap of wrong tokens until the first is a window old", () => {
    const l = new SigninLimiter(limits);
    for (let i = 0; i < 3; i++) {
      expect(l.wait("a", T + i)).toBe(0);
      l.failed("a", T + i);
    }
    expect(l.wait("a", T + 3)).toBe(57);
    expect(l.wait("b", T + 3)).toBe(0);
    expect(l.wait("a", T + 59)).toBe(1);
    expect(l.wait("a", T + 60)).toBe(0);
  });

  it("caps the failures of every address together", () => {
    const l = new SigninLimiter(limits);
    for (let i = 0; i < 5; i++) l.failed(`addr-${i}`, T);
    expect(l.wait("fresh", T + 10)).toBe(50);
    expect(l.wait("fresh", T + 60)).toBe(0);
  });

  it("counts the failures of an address within the window", () => {
    const l = new SigninLimiter(limits);
    expect(l.failed("a", T)).toBe(1);
    expect(l.failed("a", T + 30)).toBe(2);
    expect(l.failed("a", T + 70)).toBe(2);
  });
});
