/**
 * Pins the simulator to REST-SUBSET.md: if these hold, tests against it say something about Gerrit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GerritSimulator } from "../../support/gerrit/simulator.ts";

let sim: GerritSimulator;
let auth: string;
beforeAll(async () => {
  let now = Date.UTC(2026, 10, 24, 13, 0, 0);
  sim = await GerritSimulator.start({ clock: () => (now += 250) });
  auth = `Basic ${Buffer.from(`${sim.ci.username}:${sim.ci.password}`).toString("base64")}`;
  await sim.createProject("org/a");
  await sim.createProject("org/b");
});
afterAll(async () => {
  expect(sim.errors).toEqual([]);
  await sim?.stop();
});

async function call(method: string, path: string, body?: unknown, user = auth) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { Authorization: user, ...(body !== undefined ? { "Content-Type": "application/json; charset=UTF-8" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text.slice(5)) };
}
const numbers = async (q: string) => (await call("GET", `/a/changes/?q=${encodeURIComponent(q)}`)).json().map((c: { _number: number }) => c._number);

describe("the Gerrit simulator", () => {
  it("authenticates /a/ with Basic auth and answers 401 with Gerrit's realm", async () => {
    const res = await call("GET", "/a/accounts/self", undefined, "Basic Z2F0ZWJveDpub3Bl");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="Gerrit Code Review"');
    expect((await call("GET", "/a/accounts/self", undefined, "")).status).toBe(401);
    const ok = await call("GET", "/a/accounts/self");
    expect(ok.text.startsWith(")]}'\n")).toBe(true);
    expect(ok.headers.get("content-type")).toBe("application/json; charset=UTF-8");
    expect(ok.json()).toEqual({ _account_id: 1000200, name: "gatebox CI", email: "gatebox@example.org", username: "gatebox" });
    // Anonymous reads work without /a/; anonymous writes do not.
    expect((await call("GET", "/config/server/version", undefined, "")).json()).toBe("3.10.2");
  });

  it("renders fields only with the options that ask for them", async () => {
    const n = await sim.uploadChange("org/a", { files: { "x.txt": "x\n" }, message: "Shapes\n" });
    await sim.approve(n, "Code-Review", 2);
    const bare = (await call("GET", `/a/changes/org%2Fa~${n}`)).json();
    expect(bare).toMatchObject({ id: `org%2Fa~${n}`, project: "org/a", branch: "main", status: "NEW", _number: n, current_revision_number: 1 });
    expect(bare.meta_rev_id).toMatch(/^[0-9a-f]{40}$/);
    expect(bare.updated).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.000000000$/);
    for (const absent of ["revisions", "labels", "messages", "submittable", "work_in_progress", "current_revision"]) expect(bare).not.toHaveProperty(absent);
    const labels = (await call("GET", `/a/changes/org%2Fa~${n}?o=LABELS`)).json().labels;
    expect(labels["Code-Review"]).toEqual({ approved: { _account_id: 1000097 }, value: 2 });
    const detailed = (await call("GET", `/a/changes/org%2Fa~${n}?o=DETAILED_LABELS&o=CURRENT_REVISION&o=CURRENT_COMMIT&o=MESSAGES`)).json();
    expect(detailed.labels["Code-Review"].all).toEqual([
      { value: 2, _account_id: 1000097, permitted_voting_range: { min: -2, max: 2 }, date: expect.any(String) },
    ]);
    expect(detailed.labels["Code-Review"].values[" 0"]).toBe("No score");
    const rev = detailed.revisions[detailed.current_revision];
    expect(rev).toMatchObject({ _number: 1, ref: `refs/changes/0${n}/${n}/1`, fetch: {} });
    expect(rev.commit.message).toMatch(/^Shapes\n\nChange-Id: I[0-9a-f]{40}\n$/);
    expect(detailed.messages.map((m: { message: string }) => m.message)).toEqual(["Uploaded patch set 1.", "Patch Set 1: Code-Review+2"]);
  });

  it("CURRENT_FILES, age: and projects hidden from anonymous users", async () => {
    await sim.createProject("org/hidden", { anonymousRead: false });
    const n = await sim.uploadChange("org/hidden", { files: { "new.txt": "1\n2\n", "README.md": null }, message: "Files\n" });
    const c = (await call("GET", `/a/changes/${n}?o=CURRENT_REVISION&o=CURRENT_FILES`)).json();
    expect(c.revisions[c.current_revision].files).toEqual({ "README.md": { status: "D", lines_deleted: 1 }, "new.txt": { status: "A", lines_inserted: 2 } });
    expect(await numbers(`change:${n} -age:10m`)).toEqual([n]);
    expect(await numbers(`change:${n} age:10m`)).toEqual([]);
    // Anonymous: 404 for the change, absent from queries; authenticated: visible.
    expect((await call("GET", `/changes/${n}`, undefined, "")).status).toBe(404);
    const anon = await call("GET", `/changes/?q=change:${n}`, undefined, "");
    expect(anon.json()).toEqual([]);
    expect((await call("GET", "/org/hidden.git/info/refs?service=git-upload-pack", undefined, "")).status).toBe(401);
    expect((await call("GET", "/a/org/hidden.git/info/refs?service=git-upload-pack")).status).toBe(200);
    const post = await call("POST", `/changes/${n}/revisions/current/review`, { message: "hi" }, "");
    expect(post.status).toBe(404);
  });

  it("pages with n and S, marking _more_changes on the last element", async () => {
    for (let i = 0; i < 3; i++) await sim.uploadChange("org/b", { files: { [`p${i}`]: "p\n" }, message: `P${i}\n` });
    const page1 = (await call("GET", "/a/changes/?q=project:org/b&n=2")).json();
    expect(page1).toHaveLength(2);
    expect(page1[1]._more_changes).toBe(true);
    expect(page1[0]).not.toHaveProperty("_more_changes");
    const page2 = (await call("GET", "/a/changes/?q=project:org/b&n=2&S=2")).json();
    expect(page2).toHaveLength(1);
    expect(page2[0]).not.toHaveProperty("_more_changes");
    // Sorted by updated, newest first.
    expect([...page1, ...page2].map((c: { _number: number }) => c._number)).toEqual([...(await numbers("project:org/b"))]);
  });

  it("understands the query operators gatebox uses", async () => {
    const wip = await sim.uploadChange("org/b", { files: { w: "w\n" }, message: "WIP\n", wip: true });
    const voted = await sim.uploadChange("org/a", { files: { v: "v\n" }, message: "Voted\n" });
    await sim.approve(voted, "Code-Review", 2);
    await sim.approve(voted, "Workflow", 1);
    await sim.comment(voted, "ok", "gatebox", { Verified: 1 });
    expect(await numbers(`label:Code-Review=2 label:Workflow=1 change:${voted}`)).toEqual([voted]);
    expect(await numbers(`label:Verified>=1 project:org/a`)).toEqual([voted]);
    expect(await numbers(`label:Verified>=2 project:org/a`)).toEqual([]);
    expect(await numbers("(project:org/a OR project:org/b) is:wip")).toEqual([wip]);
    expect(await numbers("project:org/b -is:wip")).not.toContain(wip);
    expect(await numbers("status:merged")).toEqual([]);
    // after: is inclusive and compares whole seconds.
    const c = (await call("GET", `/a/changes/${voted}`)).json();
    const second = c.updated.slice(0, 19);
    expect(await numbers(`change:${voted} after:"${second}"`)).toEqual([voted]);
    expect(await numbers(`change:${voted} after:"${second}.999"`)).toEqual([voted]);
    const later = new Date(Date.parse(`${second.replace(" ", "T")}Z`) + 1000).toISOString().slice(0, 19).replace("T", " ");
    expect(await numbers(`change:${voted} after:"${later}"`)).toEqual([]);
    const bad = await call("GET", "/a/changes/?q=is:mergeable");
    expect(bad.status).toBe(400);
    expect(bad.text.startsWith(")]}'")).toBe(false);
    expect((await call("GET", "/a/changes/?q=frobnicate:1")).status).toBe(400);
  });

  it("configurable submit requirements and strict labels", async () => {
    const strict = await GerritSimulator.start({
      strictLabels: true,
      requirements: [
        { name: "Code-Review", label: "Code-Review", atLeast: 2 },
        { name: "Workflow", label: "Workflow", atLeast: 1 },
      ],
    });
    try {
      await strict.createProject("p");
      const n = await strict.uploadChange("p", { files: { f: "f\n" }, message: "F\n" });
      await strict.approve(n, "Code-Review", 2);
      expect(strict.change(n).status).toBe("NEW");
      const h = `Basic ${Buffer.from(`${strict.ci.username}:${strict.ci.password}`).toString("base64")}`;
      const post = (path: string, body: unknown) =>
        fetch(`${strict.url}/a/changes/${n}${path}`, { method: "POST", headers: { Authorization: h, "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const unknown = await post("/revisions/current/review", { labels: { Nope: 1 } });
      expect(unknown.status).toBe(400);
      expect(await (await post("/submit", {})).text()).toContain("submit requirement 'Workflow' is unsatisfied");
      await strict.approve(n, "Workflow", 1);
      expect((await post("/submit", {})).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });

  it("anonymous writes are refused", async () => {
    const n = await sim.uploadChange("org/a", { files: { anon: "a\n" }, message: "Anon\n" });
    const post = await call("POST", `/changes/${n}/revisions/current/review`, { message: "hi" }, "");
    expect([post.status, post.text.trim()]).toEqual([403, "Authentication required"]);
  });

  it("review: restricted values 403, long messages 400, closed 409, recorded with the Patch Set header", async () => {
    const n = await sim.uploadChange("org/a", { files: { r: "r\n" }, message: "Review\n" });
    const path = `/a/changes/org%2Fa~${n}/revisions/current/review`;
    const meta = (await call("GET", `/a/changes/${n}`)).json().meta_rev_id;
    expect((await call("GET", `/a/changes/${n}`)).json().meta_rev_id).toBe(meta);
    const forbidden = await call("POST", path, { labels: { "Code-Review": 2 } });
    expect([forbidden.status, forbidden.text.trim()]).toEqual([403, 'Applying label "Code-Review": 2 is restricted']);
    expect((await call("POST", path, { message: "x".repeat(16 * 1024 + 1) })).status).toBe(400);
    const ok = await call("POST", path, { message: "Build succeeded.", labels: { Verified: 2, Unknown: 1 }, tag: "autogenerated:gatebox:gate" });
    expect(ok.json()).toEqual({ labels: { Verified: 2 } });
    expect(sim.reviews.at(-1)!.recorded).toBe("Patch Set 1: Verified+2\n\nBuild succeeded.");
    expect((await call("GET", `/a/changes/${n}`)).json().meta_rev_id).not.toBe(meta);
    await sim.abandon(n);
    const closed = await call("POST", path, { labels: { Verified: -2 } });
    expect([closed.status, closed.text.trim()]).toEqual([409, "change is closed"]);
  });

  it("submit: requirements, WIP, revision-specific, closed", async () => {
    const n = await sim.uploadChange("org/a", { files: { s: "s\n" }, message: "Submit\n" });
    await sim.approve(n, "Code-Review", 2);
    const submit = (rev?: string) => call("POST", rev ? `/a/changes/${n}/revisions/${rev}/submit` : `/a/changes/${n}/submit`, {});
    const missing = await submit();
    expect([missing.status, missing.text.trim()]).toEqual([409, `Failed to submit 1 change due to the following problems:\nChange ${n}: submit requirement 'Verified' is unsatisfied.`]);
    await sim.comment(n, "", "gatebox", { Verified: 2 });
    await sim.setWip(n, true);
    expect((await submit()).text).toContain("Change is work in progress");
    await sim.setWip(n, false);
    const human = await call("POST", `/a/changes/${n}/submit`, {}, `Basic ${Buffer.from("bob:bob-secret").toString("base64")}`);
    expect(human.status).toBe(403);
    const old = sim.change(n).patchsets[0]!.sha;
    await sim.uploadPatchset(n, { files: { s: "s2\n" } });
    await sim.approve(n, "Code-Review", 2);
    await sim.comment(n, "", "gatebox", { Verified: 2 });
    const moved = await submit(old);
    expect([moved.status, moved.text.trim()]).toEqual([409, `revision ${old} is not current revision`]);
    const ok = await submit(sim.change(n).patchsets[1]!.sha);
    expect(ok.status).toBe(200);
    expect(ok.json().status).toBe("MERGED");
    expect((await submit()).text.trim()).toBe("change is merged");
    const late = await call("POST", `/a/changes/${n}/revisions/current/review`, { labels: { Verified: -2 } });
    expect([late.status, late.text.trim()]).toEqual([409, "Voting on labels disallowed after submit: Verified"]);
    expect((await call("POST", `/a/changes/${n}/revisions/current/review`, { message: "thanks" })).status).toBe(200);
  });
});

describe("the simulator's faults", () => {
  it("redirectTo answers 302 to that base, keeping the path and query", async () => {
    sim.inject({ match: /accounts\/self/, redirectTo: "http://127.0.0.1:9/" });
    const res = await fetch(`${sim.url}/a/accounts/self?x=1`, { headers: { Authorization: auth }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://127.0.0.1:9/a/accounts/self?x=1");
  });

  it("hugeBodyBytes streams exactly that many bytes of valid JSON, recording what went out", async () => {
    sim.inject({ match: /accounts\/self/, hugeBodyBytes: 300_000 });
    const res = await call("GET", "/a/accounts/self");
    expect(res.status).toBe(200);
    expect(res.text).toHaveLength(300_000);
    expect(res.json()).toBe("x".repeat(300_000 - 7));
    expect(sim.streamed.at(-1)).toEqual({ path: "/a/accounts/self", total: 300_000, sent: 300_000, cancelled: false, finished: true });
  });

  it("rewrite replaces the JSON of the real answer", async () => {
    sim.inject({ match: /accounts\/self/, rewrite: (json) => ({ ...(json as object), name: "Rewritten" }) });
    expect((await call("GET", "/a/accounts/self")).json()).toMatchObject({ _account_id: 1000200, name: "Rewritten" });
    expect((await call("GET", "/a/accounts/self")).json().name).toBe("gatebox CI");
  });
});
