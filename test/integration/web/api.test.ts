import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../../src/web/app.ts";
import { SseParser } from "../../../src/web/sse-parser.ts";
import type { StatusJson } from "../../../src/web/status-view.ts";
import { createFixture, type Fixture, failSecondItem, TOKEN } from "./fixture.ts";

let f: Fixture;
let app: ReturnType<typeof createApp>;
beforeEach(() => {
  f = createFixture();
  failSecondItem(f);
  app = createApp(f.ctx);
});
afterEach(() => f.close());

const json = async (path: string, init?: RequestInit) => {
  const res = await app.request(path, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const post = (path: string, body: unknown, token: string | null = TOKEN) =>
  json(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** Reads server-sent events until `until` returns true (or the stream ends). */
async function readSse(res: Response, until: (msgs: { event: string; data: string }[]) => boolean) {
  const reader = res.body!.getReader();
  const parser = new SseParser();
  const msgs: { event: string; data: string }[] = [];
  const dec = new TextDecoder();
  while (!until(msgs)) {
    const { done, value } = await reader.read();
    if (done) break;
    msgs.push(...parser.push(dec.decode(value, { stream: true })));
  }
  await reader.cancel();
  return msgs;
}

describe("GET /api/status", () => {
  it("shows every pipeline, queue and item with change, tree, failing reason, jobs and ETA", async () => {
    const { status, body } = await json("/api/status");
    expect(status).toBe(200);
    const s = body as unknown as StatusJson;
    expect(s.pipelines.map((p) => p.name)).toEqual(["check", "gate"]);
    const gate = s.pipelines[1]!.queues.find((q) => q.name === "acme")!;
    expect(gate.items.map((i) => [i.change.number, i.depth, i.branch, i.failing])).toEqual([
      [1001, 0, false, false],
      [1002, 1, true, true],
      [1003, 0, false, false],
      [1004, 0, false, false],
    ]);
    const [head, failing, third] = gate.items;
    expect(failing!.failingReason).toBe("a voting job failed");
    expect(third!.ahead).toBe(head!.id);
    expect(head!.behind).toEqual([failing!.id, third!.id]);
    expect(head!.change).toMatchObject({ number: 1001, patchset: 2, project: "acme/app", owner: "Ada Lovelace", url: "http://gerrit.test/c/acme/app/+/1001" });
    const unit = head!.jobs.find((j) => j.name === "unit")!;
    // median of the successful unit builds in the store: 300 and 330 (360 failed) → 315
    expect(unit).toMatchObject({ state: "running", estimate: 315, elapsed: 135, remaining: 180 });
    expect(unit.logUrl).toBe(`/builds/${unit.buildId}`);
    expect(head!.jobs.find((j) => j.name === "integration")).toMatchObject({ waiting: "waiting for a job it depends on" });
  });
});

describe("GET /api/builds", () => {
  it("filters and pages", async () => {
    const all = await json("/api/builds?limit=500");
    expect(all.status).toBe(200);
    const total = all.body["total"] as number;
    expect((all.body["builds"] as unknown[]).length).toBe(total);
    const page = await json("/api/builds?limit=3&offset=2");
    expect(page.body).toMatchObject({ total, limit: 3, offset: 2 });
    expect((page.body["builds"] as { id: string }[]).map((b) => b.id)).toEqual((all.body["builds"] as { id: string }[]).slice(2, 5).map((b) => b.id));
    const failed = await json("/api/builds?result=FAILURE&pipeline=gate&project=acme%2Flib&job=unit&change=1002");
    expect((failed.body["builds"] as { changeNumber: number; result: string }[]).map((b) => [b.changeNumber, b.result])).toEqual([[1002, "FAILURE"]]);
    expect((await json("/api/builds?change=999999")).body["total"]).toBe(0);
  });

  it.each([
    ["limit=0", "limit: must be between 1 and 500"],
    ["limit=x", "limit: must be an integer"],
    ["limit=501", "limit: must be between"],
    ["offset=-1", "offset: must be between"],
    ["change=abc", "change: must be an integer"],
    ["result=GREEN", "result: must be one of"],
    [`project=${"x".repeat(300)}`, "project: longer than 200"],
  ])("400 for %s naming the field", async (q, message) => {
    const { status, body } = await json(`/api/builds?${q}`);
    expect(status).toBe(400);
    expect(body["error"]).toContain(message);
  });
});

describe("GET /api/builds/:id, /api/changes/:number", () => {
  it("gives a build with the speculative state it was tested on", async () => {
    const id = f.buildOf("gate", "1002", "unit")!;
    const { status, body } = await json(`/api/builds/${id}`);
    expect(status).toBe(200);
    expect(body["build"]).toMatchObject({ id, job: "unit", result: "FAILURE", changeNumber: 1002, logUrl: `/api/builds/${id}/log` });
    expect((body["ahead"] as { number: number }[]).map((c) => c.number)).toEqual([1001]);
    expect(body["change"]).toMatchObject({ number: 1002, subject: "Fix the compiler's off-by-one" });
  });

  it("404 for an unknown build, 400 for a malformed id", async () => {
    expect((await json("/api/builds/nope")).status).toBe(404);
    const bad = await json("/api/builds/a%20b");
    expect(bad.status).toBe(400);
    expect(bad.body["error"]).toContain("id: not a build id");
  });

  it("gives a change's record, queue items and builds", async () => {
    const { status, body } = await json("/api/changes/1001");
    expect(status).toBe(200);
    expect(body["change"]).toMatchObject({ number: 1001, owner: "Ada Lovelace" });
    expect((body["items"] as { pipeline: string }[]).map((i) => i.pipeline)).toEqual(["gate"]);
    expect((body["builds"] as { job: string }[]).map((b) => b.job).sort()).toEqual(["lint", "unit"]);
    expect((await json("/api/changes/424242")).status).toBe(404);
    const bad = await json("/api/changes/12a");
    expect(bad.status).toBe(400);
    expect(bad.body["error"]).toContain("number:");
  });
});

describe("logs and recordings", () => {
  it("serves the raw log and an asciicast download", async () => {
    const id = f.buildOf("gate", "1002", "unit")!;
    const log = await app.request(`/api/builds/${id}/log`);
    expect(log.headers.get("content-type")).toContain("text/plain");
    expect(await log.text()).toBe("[gatebox] running unit on 1001 + 1002\n\x1b[1m$ make unit\x1b[0m\n\x1b[31mFAIL\x1b[0m test_off_by_one: expected 10, got 11\n");
    const cast = await app.request(`/api/builds/${id}/cast`);
    expect(cast.headers.get("content-disposition")).toContain(`build-${id}.cast`);
    const lines = (await cast.text()).trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 2, title: `gatebox build ${id}` });
    expect(lines.slice(1).map((l) => (JSON.parse(l) as string[])[2])).toEqual([
      "\x1b[2mrunning unit on 1001 + 1002\x1b[0m\r\n",
      "\x1b[1m$ make unit\x1b[0m\r\n",
      "\x1b[31mFAIL\x1b[0m test_off_by_one: expected 10, got 11\r\n",
    ]);
  });

  it("404 for logs of unknown builds", async () => {
    expect((await app.request("/api/builds/zzz/log")).status).toBe(404);
    expect((await app.request("/api/builds/zzz/cast")).status).toBe(404);
    expect((await app.request("/api/builds/zzz/console")).status).toBe(404);
  });

  it("streams a live console over SSE: what is there, then new lines, then the end", async () => {
    const id = f.buildOf("gate", "1001", "unit")!;
    const res = await app.request(`/api/builds/${id}/console`);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const done = readSse(res, (m) => m.some((x) => x.event === "end"));
    await new Promise((r) => setTimeout(r, 50));
    f.finish(id, "SUCCESS", "later line\n");
    const msgs = await done;
    expect(msgs.filter((m) => m.event === "console").map((m) => (JSON.parse(m.data) as string[])[2])).toEqual([
      "running unit on 1001",
      "\x1b[1m$ make unit\x1b[0m\n",
      "later line\n",
    ]);
    expect(msgs.at(-1)).toEqual({ event: "end", data: "SUCCESS" });
  });
});

describe("GET /api/events", () => {
  it("sends the status at once and again after a change", async () => {
    const res = await app.request("/api/events");
    const seen = readSse(res, (m) => m.filter((x) => x.event === "status").length >= 2);
    await new Promise((r) => setTimeout(r, 50));
    await post("/api/dequeue", { pipeline: "gate", change: 1004 });
    const msgs = (await seen).filter((m) => m.event === "status").map((m) => JSON.parse(m.data) as StatusJson);
    const changesIn = (s: StatusJson) => s.pipelines[1]!.queues.flatMap((q) => q.items.map((i) => i.change.number));
    expect(changesIn(msgs[0]!)).toContain(1004);
    expect(changesIn(msgs[1]!)).not.toContain(1004);
  });
});

describe("admin actions", () => {
  it("enqueue, dequeue and promote call the scheduler with a valid token", async () => {
    expect(await post("/api/enqueue", { pipeline: "check", project: "acme/lib", change: 1201 })).toMatchObject({ status: 200, body: { ok: true } });
    expect(await post("/api/promote", { pipeline: "gate", change: "1003" })).toMatchObject({ status: 200 });
    expect(await post("/api/dequeue", { pipeline: "gate", change: 1004 })).toMatchObject({ status: 200 });
    expect(f.calls).toEqual([
      { action: "enqueue", req: { pipeline: "check", project: "acme/lib", change: 1201 } },
      { action: "promote", req: { pipeline: "gate", change: 1003 } },
      { action: "dequeue", req: { pipeline: "gate", change: 1004 } },
    ]);
    const gate = f.scheduler.view().pipelines[1]!.queues.find((q) => q.name === "acme")!;
    expect(gate.items[0]!.change.id).toBe("1003");
  });

  it.each([
    ["no token", null],
    ["a wrong token", "not-the-token"],
    ["a token prefix", TOKEN.slice(0, 5)],
  ])("401 with %s, and nothing changes", async (_, token) => {
    for (const path of ["/api/enqueue", "/api/dequeue", "/api/promote"]) {
      const { status, body } = await post(path, { pipeline: "gate", project: "acme/app", change: 1001 }, token);
      expect(status).toBe(401);
      expect(body["error"]).toContain("admin token");
    }
    expect(f.calls).toEqual([]);
  });

  it("401 for everyone when no token is configured", async () => {
    const open = createApp({ ...f.ctx, adminToken: null });
    const res = await open.request("/api/dequeue", { method: "POST", headers: { authorization: "Bearer " }, body: "{}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toContain("web.admin-token");
    expect(f.calls).toEqual([]);
  });

  it.each([
    ["/api/enqueue", "not json", "body: must be a JSON object"],
    ["/api/enqueue", [], "body: must be a JSON object"],
    ["/api/enqueue", { project: "p", change: 1 }, "pipeline: required"],
    ["/api/enqueue", { pipeline: "gate", change: 1 }, "project: required"],
    ["/api/enqueue", { pipeline: "gate", project: 5, change: 1 }, "project: must be a non-empty string"],
    ["/api/enqueue", { pipeline: "gate", project: "p" }, "change: required"],
    ["/api/dequeue", { pipeline: "gate", change: -3 }, "change: must be a positive change number"],
    ["/api/promote", { pipeline: "gate", change: "12x" }, "change: must be a positive change number"],
    ["/api/promote", { pipeline: "", change: 1 }, "pipeline: must be a non-empty string"],
    ["/api/enqueue", { pipeline: "nope", project: "p", change: 1 }, "pipeline: no pipeline nope"],
  ])("400 for bad input to %s: %j", async (path, body, message) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(res.body["error"]).toContain(message);
    expect(f.calls).toEqual([]);
  });
});

describe("pages", () => {
  it("renders the status shell, build, builds and history pages; keeps /healthz and the setup notice", async () => {
    expect(await (await app.request("/")).text()).toContain('id="status"');
    const id = f.buildOf("gate", "1002", "unit")!;
    const build = await (await app.request(`/builds/${id}`)).text();
    expect(build).toContain("Tested on");
    expect(build).toContain("http://gerrit.test/c/acme/app/+/1001");
    expect(build).toContain(`/api/builds/${id}/log`);
    expect((await app.request("/builds/404404")).status).toBe(404);
    const list = await (await app.request("/builds?result=FAILURE")).text();
    expect(list).toContain(`href="/builds/${id}"`);
    expect((await app.request("/builds?limit=1&change=x")).status).toBe(400);
    const history = await (await app.request("/history?days=30")).text();
    expect(history.match(/<svg/g)?.length).toBe(3);
    expect(history).toContain('data-name="unit"');
    expect((await json("/healthz")).body["ok"]).toBe(true);
    const setup = createApp({ ...f.ctx, gerritConfigured: false });
    expect(await (await setup.request("/")).text()).toContain("No Gerrit connection is configured");
    expect((await app.request("/assets/ansi.js")).headers.get("content-type")).toContain("javascript");
  });

  it("gives the history figures as JSON", async () => {
    const { body } = await json("/api/history?days=30");
    const unit = (body["jobs"] as { job: string; median: number; failureRate: number }[]).find((j) => j.job === "unit")!;
    expect(unit.failureRate).toBeGreaterThan(0);
    expect((body["queueTimes"] as unknown[]).length).toBeGreaterThan(0);
    expect((await json("/api/history?days=0")).status).toBe(400);
  });
});
