import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { artifactsDest, extractArtifacts, MAX_ARTIFACT_FILES } from "../../../src/executor/artifacts.ts";
import { type NewTarEntry, tarEnd, tarEntry } from "../../../src/executor/tar.ts";

let dir: string;
let notes: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-artifacts-"));
  notes = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): NewTarEntry => ({ name, type: "file", mode: 0o644, data: Buffer.from(text) });

async function* chunks(entries: NewTarEntry[], tail: Uint8Array = tarEnd()): AsyncGenerator<Uint8Array> {
  const all = Buffer.concat([...entries.map(tarEntry), tail]);
  for (let i = 0; i < all.length; i += 100) yield all.subarray(i, i + 100);
}

const extract = (entries: NewTarEntry[], limit = 1 << 20, tail?: Uint8Array, maxFiles?: number) =>
  extractArtifacts(chunks(entries, tail), { root: "out", into: join(dir, "b1"), limit, maxFiles, note: (l) => notes.push(l) });

describe("extractArtifacts", () => {
  it("copies regular files below the root, listing them sorted", async () => {
    const copy = await extract([
      { name: "out/", type: "dir", mode: 0o1777 },
      file("out/sub/x.json", "{}"),
      file("out/report.txt", "report\n"),
    ]);
    expect(copy).toEqual({ files: [{ path: "report.txt", size: 7 }, { path: "sub/x.json", size: 2 }], dropped: 0 });
    expect(readFileSync(join(dir, "b1", "sub", "x.json"), "utf8")).toBe("{}");
  });

  it("keeps what fits in the limit and counts the rest as dropped", async () => {
    const copy = await extract([file("out/a", "12345"), file("out/b", "123456"), file("out/c", "1234")], 10);
    expect(copy.files.map((f) => f.path)).toEqual(["a", "c"]);
    expect(copy.dropped).toBe(1);
    expect(existsSync(join(dir, "b1", "b"))).toBe(false);
    expect((await extract([file("out/a", "1")], 0)).dropped).toBe(1);
  });

  it("never follows or makes links, and refuses names that leave the directory", async () => {
    const copy = await extract([
      { name: "out/leak", type: "symlink", mode: 0o777, linkname: "/etc/passwd" },
      { name: "out/hard", type: "hardlink", mode: 0o644, linkname: "/etc/passwd" },
      file("out/../escaped", "x"),
      file("out/sub/../../escaped2", "x"),
      file("/etc/evil", "x"),
      file("other/file", "x"),
      file("out/ok", "ok"),
    ]);
    expect(copy.files).toEqual([{ path: "ok", size: 2 }]);
    expect(readdirSync(join(dir, "b1"))).toEqual(["ok"]);
    expect(readdirSync(dir)).toEqual(["b1"]);
    expect(notes.join("\n")).toMatch(/skipped leak \(a symlink/);
    expect(notes.join("\n")).toMatch(/skipped hard \(a hardlink/);
    expect(notes.join("\n")).toMatch(/leaves the artifacts directory/);
  });

  it("a root that is a symlink copies nothing", async () => {
    const copy = await extract([{ name: "out", type: "symlink", mode: 0o777, linkname: "/" }]);
    expect(copy.files).toEqual([]);
    expect(notes.join("\n")).toMatch(/the artifacts directory itself \(a symlink\)/);
  });

  it("a stream that breaks off keeps the whole files before it and drops the torn one", async () => {
    const torn = tarEntry(file("out/b", "0123456789")).subarray(0, 515);
    const copy = await extract([file("out/a", "whole")], 1 << 20, torn);
    expect(copy.files).toEqual([{ path: "a", size: 5 }]);
    expect(copy.dropped).toBe(1);
    expect(existsSync(join(dir, "b1", "b"))).toBe(false);
    expect(notes.join("\n")).toMatch(/broke off/);
  });

  it("keeps at most maxFiles files (default MAX_ARTIFACT_FILES)", async () => {
    expect(MAX_ARTIFACT_FILES).toBe(10_000);
    const many = Array.from({ length: 23 }, (_, i) => file(`out/f${i}`, ""));
    const copy = await extract(many, 1 << 20, undefined, 20);
    expect(copy.files).toHaveLength(20);
    expect(copy.dropped).toBe(3);
  });

  it("puts each build in a directory of its own, whatever its id", () => {
    expect(artifactsDest("/a", "17")).toBe("/a/17");
    expect(artifactsDest("/a", "../x")).toBe("/a/.._x");
    expect(artifactsDest("/a", "..")).toBe("/a/_..");
  });
});
