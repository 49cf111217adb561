import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The import rules of docs/architecture.md, checked on every .ts file under src/. Each import is
 * found by TypeScript's own scanner (`preProcessFile`), so `import type`, `export … from` and
 * `import()` count as much as a plain import; relative specifiers are resolved to a path under src/.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

interface Import {
  /** The importing file, relative to the repository (`src/driver/driver.ts`). */
  file: string;
  /** The specifier as written. */
  specifier: string;
  /** Where it points: `src/...` for a relative import, else the specifier itself (a package or `node:fs`). */
  target: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.isFile() && e.name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(path: string): Import[] {
  const file = relative(ROOT, path);
  const info = ts.preProcessFile(readFileSync(path, "utf8"), true, true);
  return info.importedFiles.map(({ fileName: specifier }) => ({
    file,
    specifier,
    target: specifier.startsWith(".") ? relative(ROOT, resolve(dirname(path), specifier)) : specifier,
  }));
}

const under = (path: string, dir: string) => path.startsWith(`${dir}/`);
const isPackage = (target: string, name: string) => target === name || target.startsWith(`${name}/`);

interface Rule {
  name: string;
  broken(i: Import): boolean;
}

const RULES: Rule[] = [
  {
    name: "only src/store/ imports drizzle-orm or bun:sqlite",
    broken: (i) => !under(i.file, "src/store") && (isPackage(i.target, "drizzle-orm") || i.target === "bun:sqlite"),
  },
  {
    name: "src/driver/ never imports src/sources/gerrit/ (it talks to the interfaces in src/sources/source.ts)",
    broken: (i) => under(i.file, "src/driver") && (under(i.target, "src/sources/gerrit") || i.target === "src/sources/gerrit"),
  },
  {
    name: "src/scheduler/ imports nothing outside src/scheduler/ (the pure core)",
    broken: (i) => under(i.file, "src/scheduler") && !under(i.target, "src/scheduler"),
  },
  {
    name: "only src/server/ and src/cli/ import src/server/ (the one wiring place)",
    broken: (i) =>
      !under(i.file, "src/server") && !under(i.file, "src/cli") && (under(i.target, "src/server") || i.target === "src/server"),
  },
];

/** Every broken rule, one line each: `file imports "specifier"`, grouped under the rule. */
function report(imports: Import[]): string[] {
  const lines: string[] = [];
  for (const rule of RULES) {
    const bad = imports.filter((i) => rule.broken(i));
    if (bad.length === 0) continue;
    lines.push(`${rule.name}:`);
    for (const i of bad) lines.push(`  ${i.file} imports "${i.specifier}"`);
  }
  return lines;
}

describe("architecture: the import rules", () => {
  const imports = tsFiles(SRC).flatMap(importsOf);

  it("sees the imports it checks (the scanner is not blind)", () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(imports).toContainEqual({ file: "src/store/db.ts", specifier: "bun:sqlite", target: "bun:sqlite" });
    expect(imports).toContainEqual(expect.objectContaining({ file: "src/driver/driver.ts", target: "src/sources/source.ts" }));
    expect(imports).toContainEqual(expect.objectContaining({ file: "src/server/gate.ts", target: "src/sources/gerrit/connection.ts" }));
  });

  it("no file breaks a rule", () => {
    const broken = report(imports);
    expect(broken, `import rules broken (docs/architecture.md, "Rules"):\n${broken.join("\n")}\n`).toEqual([]);
  });
});
