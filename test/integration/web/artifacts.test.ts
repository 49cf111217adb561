import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../../src/web/app.ts";
import { createFixture, type Fixture } from "./fixture.ts";

// What the executor leaves: a build's files under <data-dir>/artifacts/<build>/. The job wrote
// them, so the web serves them as data, never as pages of the UI (docs/web.md "Artifacts").

let f: Fixture;
let app: ReturnType<typeof createApp>;
/** A build the store knows (from the fixture's history). */
const BUILD = "old-0";

beforeEach(() => {
  f = createFixture();
  app = createApp(f.ctx);
});
afterEach(() => f.close());

function artifact(build: string, path: string, content: string | Uint8Array): void {
  const file = join(f.dir, "artifacts", build, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** Stricter than the pages: sandboxed (no script, no same-origin access), nothing loaded, never framed or sniffed. */
const sandboxed = (res: Response) => {
  const csp = (res.headers.get("content-security-policy") ?? "").split(";").map((d) => d.trim());
  expect(csp).toEqual(["sandbox", "default-src 'none'", "frame-ancestors 'none'"]);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
};

describe("GET /api/builds/:id/artifacts", () => {
  it("lists every file under the build's directory, sorted, with size and URL", async () => {
    artifact(BUILD, "junit.xml", "<testsuite/>");
    artifact(BUILD, "reports/coverage/index.html", "<h1>hi</h1>");
    artifact(BUILD, "a b/ü%.txt", "x");
    artifact(BUILD, "reports/app.log", "1234567890");
    const res = await app.request(`/api/builds/${BUILD}/artifacts`);
    expect(res.status).toBe(200);
    sandboxed(res);
    expect(await res.json()).toEqual([
      { path: "a b/ü%.txt", size: 1, url: `/builds/${BUILD}/artifacts/a%20b/%C3%BC%25.txt` },
      { path: "junit.xml", size: 12, url: `/builds/${BUILD}/artifacts/junit.xml` },
      { path: "reports/app.log", size: 10, url: `/builds/${BUILD}/artifacts/reports/app.log` },
      { path: "reports/coverage/index.html", size: 11, url: `/builds/${BUILD}/artifacts/reports/coverage/index.html` },
    ]);
    // Each URL serves its file.
    const served = await app.request(`/builds/${BUILD}/artifacts/a%20b/%C3%BC%25.txt`);
    expect(await served.text()).toBe("x");
  });

  it("answers [] for a build without artifacts and 404 for an unknown build", async () => {
    const none = await app.request(`/api/builds/${BUILD}/artifacts`);
    expect([none.status, await none.json()]).toEqual([200, []]);
    artifact("no-such-build", "x.txt", "x");
    const unknown = await app.request("/api/builds/no-such-build/artifacts");
    expect(unknown.status).toBe(404);
    sandboxed(unknown);
    expect(await unknown.json()).toEqual({ error: "no build no-such-build" });
  });

  it("lists a symlink only when it points at a file inside the directory", async () => {
    artifact(BUILD, "real.txt", "real");
    writeFileSync(join(f.dir, "outside.txt"), "outside");
    const dir = join(f.dir, "artifacts", BUILD);
    symlinkSync("real.txt", join(dir, "alias.txt"));
    symlinkSync(join(f.dir, "outside.txt"), join(dir, "escape.txt"));
    symlinkSync(f.dir, join(dir, "escape-dir"));
    symlinkSync("missing", join(dir, "dangling"));
    const res = await app.request(`/api/builds/${BUILD}/artifacts`);
    expect(((await res.json()) as { path: string }[]).map((a) => a.path)).toEqual(["alias.txt", "real.txt"]);
  });
});

describe("GET /builds/:id/artifacts/<path>", () => {
  it.each([
    ["app.log", "text/plain; charset=utf-8"],
    ["notes.txt", "text/plain; charset=utf-8"],
    ["junit.xml", "text/plain; charset=utf-8"],
    ["result.json", "application/json; charset=utf-8"],
    // Markup is shown as its source: never rendered from the UI's origin.
    ["report.html", "text/plain; charset=utf-8"],
    ["report.HTM", "text/plain; charset=utf-8"],
    ["logo.svg", "text/plain; charset=utf-8"],
  ])("serves %s as %s, sandboxed and never sniffed", async (name, type) => {
    artifact(BUILD, `out/${name}`, "<script>alert(1)</script>");
    const res = await app.request(`/builds/${BUILD}/artifacts/out/${name}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("content-disposition")).toBeNull();
    sandboxed(res);
    expect(await res.text()).toBe("<script>alert(1)</script>");
  });

  it("serves anything else as a download", async () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    artifact(BUILD, "dist/app.tar.gz", bytes);
    artifact(BUILD, "dist/größe bin", bytes);
    const res = await app.request(`/builds/${BUILD}/artifacts/dist/app.tar.gz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="app.tar.gz"; filename*=UTF-8''app.tar.gz`);
    expect(res.headers.get("content-length")).toBe("4");
    sandboxed(res);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    const odd = await app.request(`/builds/${BUILD}/artifacts/dist/gr%C3%B6%C3%9Fe%20bin`);
    expect(odd.headers.get("content-disposition")).toBe(`attachment; filename="gr__e_bin"; filename*=UTF-8''gr%C3%B6%C3%9Fe%20bin`);
  });

  it.each([
    ["an encoded slash", "..%2F..%2Fgatebox.sqlite"],
    ["an encoded parent", "sub/%2E%2E%2Fsecret.txt"],
    ["a backslash", "sub%5C..%5Csecret.txt"],
    ["NUL", "secret.txt%00.log"],
    ["an absolute path", "/etc/passwd"],
    ["an empty segment", "sub//secret.txt"],
    ["bad percent-encoding", "%E0%A4%A"],
    ["no path at all", ""],
  ])("refuses %s with 400", async (_what, path) => {
    artifact(BUILD, "sub/secret.txt", "s");
    const res = await app.request(`/builds/${BUILD}/artifacts/${path}`);
    expect(res.status).toBe(400);
    sandboxed(res);
    expect(((await res.json()) as { error: string }).error).toMatch(/^path: /);
  });

  it("never leaves the build's directory: dot segments, symlinks out, other builds", async () => {
    artifact(BUILD, "inside.txt", "in");
    artifact("old-1", "other.txt", "OTHER-BUILD");
    writeFileSync(join(f.dir, "outside.txt"), "OUTSIDE");
    const dir = join(f.dir, "artifacts", BUILD);
    symlinkSync(join(f.dir, "outside.txt"), join(dir, "escape.txt"));
    symlinkSync(f.dir, join(dir, "up"));
    symlinkSync("inside.txt", join(dir, "alias.txt"));
    const get = (p: string) => app.request(`/builds/${BUILD}/artifacts/${p}`);
    for (const p of ["escape.txt", "up/outside.txt", "up/gatebox.sqlite", "missing.txt", "../old-1/other.txt", "%2e%2e/old-1/other.txt"]) {
      const res = await get(p);
      expect([p, res.status]).toEqual([p, 404]);
      expect(await res.text()).not.toMatch(/OUTSIDE|OTHER-BUILD|SQLite format/);
    }
    // A directory is not a file; a symlink to a file inside is.
    mkdirSync(join(dir, "sub"));
    expect((await get("sub")).status).toBe(404);
    expect(await (await get("alias.txt")).text()).toBe("in");
  });

  it("answers 404 for an unknown build, sandboxed", async () => {
    artifact("ghost", "x.txt", "x");
    const res = await app.request("/builds/ghost/artifacts/x.txt");
    expect(res.status).toBe(404);
    sandboxed(res);
  });
});

describe("the build page", () => {
  it("lists the build's artifacts with links and sizes", async () => {
    artifact(BUILD, "junit.xml", "x".repeat(2048));
    artifact(BUILD, "logs/<b>.txt", "x");
    const page = await (await app.request(`/builds/${BUILD}`)).text();
    expect(page).toContain("<h3>Artifacts</h3>");
    expect(page).toContain(`<a href="/builds/${BUILD}/artifacts/junit.xml">junit.xml</a> <span class="muted">2 KiB</span>`);
    expect(page).toContain(`<a href="/builds/${BUILD}/artifacts/logs/%3Cb%3E.txt">logs/&lt;b&gt;.txt</a> <span class="muted">1 bytes</span>`);
  });

  it("has no artifacts section when the build left none", async () => {
    expect(await (await app.request(`/builds/${BUILD}`)).text()).not.toContain("Artifacts");
  });
});
