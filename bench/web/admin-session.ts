/**
 * Admin in the browser (prints figures; a few seconds):
 *  1. What the admin door costs per request: a refused cross-site POST with a valid session, a
 *     same-origin POST refused for a missing CSRF token, and a bearer-token POST refused for a
 *     wrong token, each through the whole app (median, p90).
 *  2. GET /api/session for an admin session, with 1,000 live sessions (the store's cap).
 *  3. How many wrong sign-ins one address gets through in a burst (the cap), and how long a
 *     refused one takes to answer.
 * Run: npx bun bench/web/admin-session.ts
 */
import { createApp } from "../../src/web/app.ts";
import { createFixture, TOKEN } from "../../test/integration/web/fixture.ts";

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const figures = (xs: number[]) => {
  const s = sorted(xs);
  return `median ${s[s.length >> 1]!.toFixed(3)} ms, p90 ${s[Math.floor(s.length * 0.9)]!.toFixed(3)} ms`;
};
const f = createFixture();
const app = createApp({ ...f.ctx, log: () => {} });
const form = (token: string) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
  body: new URLSearchParams({ token }).toString(),
});

async function signIn(): Promise<string> {
  const res = await app.request("/signin", form(TOKEN));
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

async function timed(n: number, request: () => Response | Promise<Response>, status: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await request();
    await res.text();
    times.push(performance.now() - t0);
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}`);
  }
  return times;
}

// 2 first needs many sessions; 1 uses one of them.
const cookies: string[] = [];
for (let i = 0; i < 1000; i++) cookies.push(await signIn());
const cookie = cookies[500]!;
const body = JSON.stringify({ pipeline: "gate", change: 1004 });
const post = (headers: Record<string, string>) => () => app.request("/api/dequeue", { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

console.log(`cross-site POST with a valid session (403): ${figures(await timed(2000, post({ cookie, origin: "http://evil.test", "sec-fetch-site": "cross-site" }), 403))}`);
console.log(`same-origin POST without the CSRF token (403): ${figures(await timed(2000, post({ cookie, origin: "http://localhost" }), 403))}`);
console.log(`bearer POST with a wrong token (401): ${figures(await timed(2000, post({ authorization: "Bearer wrong" }), 401))}`);
console.log(`GET /api/session, admin, 1,000 live sessions: ${figures(await timed(2000, () => app.request("/api/session", { headers: { cookie } }), 200))}`);

// 3. a burst of wrong tokens from one address (in process: every request is "an unknown address")
{
  let wrong = 0;
  let refused = 0;
  const refusedTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const res = await app.request("/signin", form(`guess-${i}`));
    await res.text();
    if (res.status === 401) wrong++;
    if (res.status === 429) {
      refused++;
      refusedTimes.push(performance.now() - t0);
    }
  }
  console.log(`200 wrong sign-ins in a burst: ${wrong} checked, ${refused} refused (429) without looking at the token; a refusal ${figures(refusedTimes)}`);
}
f.close();
