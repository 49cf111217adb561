import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TarEntry, TarFormatError, TarReader, tarEnd, tarEntry } from "../../../src/executor/tar.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-tar-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every entry with its data, the archive pushed in chunks of `step` bytes. */
function read(archive: Uint8Array, step = 7): (TarEntry & { text: string })[] {
  const out: (TarEntry & { text: string })[] = [];
  const reader = new TarReader({
    entry: (e) => out.push({ ...e, text: "" }),
    data: (c) => {
      out.at(-1)!.text += Buffer.from(c).toString();
    },
    end: () => {},
  });
  for (let i = 0; i < archive.length; i += step) reader.push(archive.subarray(i, i + step));
  reader.finish();
  return out;
}

describe("TarReader", () => {
  it("reads what GNU tar writes: files, dirs, symlinks, long names", () => {
    const long = `${"d".repeat(80)}/${"f".repeat(90)}.txt`;
    mkdirSync(join(dir, "out", "sub", "d".repeat(80)), { recursive: true });
    writeFileSync(join(dir, "out", "report.txt"), "report\n");
    writeFileSync(join(dir, "out", "sub", long), "deep\n");
    symlinkSync("/etc/passwd", join(dir, "out", "leak"));
    const tar = spawnSync("tar", ["-c", "-C", dir, "out"], { maxBuffer: 1 << 24 }).stdout;
    const entries = read(tar);
    const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ""), e]));
    expect(byName.get("out")?.type).toBe("dir");
    expect(byName.get("out/report.txt")).toMatchObject({ type: "file", size: 7, text: "report\n" });
    expect(byName.get(`out/sub/${long}`)).toMatchObject({ type: "file", text: "deep\n" });
    expect(byName.get("out/leak")).toMatchObject({ type: "symlink", linkname: "/etc/passwd", size: 0 });
  });

  it("writes entries GNU tar extracts, PAX long names and modes included", () => {
    const long = `${"x".repeat(120)}/y`;
    const archive = Buffer.concat([
      tarEntry({ name: "a/", type: "dir", mode: 0o1777 }),
      tarEntry({ name: "a/f.txt", type: "file", mode: 0o644, data: Buffer.from("hello") }),
      tarEntry({ name: `${long}/`, type: "dir", mode: 0o755 }),
      tarEnd(),
    ]);
    const r = spawnSync("tar", ["-x", "-C", dir], { input: archive });
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, "a", "f.txt"), "utf8")).toBe("hello");
    expect(spawnSync("stat", ["-c", "%a", join(dir, "a")]).stdout.toString().trim()).toBe("1777");
    expect(read(archive, 512).map((e) => e.name)).toEqual(["a/", "a/f.txt", `${long}/`]);
  });

  it("refuses garbage and an archive cut inside an entry", () => {
    expect(() => read(new Uint8Array(512).fill(0x41))).toThrow(TarFormatError);
    const cut = tarEntry({ name: "f", type: "file", mode: 0o644, data: Buffer.from("0123456789") }).subarray(0, 515);
    expect(() => read(cut)).toThrow(/middle of an entry/);
  });
});
