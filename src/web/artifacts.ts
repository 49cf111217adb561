import { type Dirent, readdirSync, realpathSync, type Stats, statSync } from "node:fs";
import { extname, join, sep } from "node:path";

/**
 * A build's artifacts: the files its job left in `$GATEBOX_ARTIFACTS`, which the executor copies to
 * `<data-dir>/artifacts/<build>/` (docs/jobs.md). The job wrote them, so nothing here trusts a
 * name: every path is checked segment by segment and, once symlinks are resolved, must still be
 * inside the build's directory.
 */

export interface Artifact {
  /** Relative to the build's artifact directory, `/`-separated. */
  path: string;
  size: number;
  /** Where the UI serves it: `/builds/<id>/artifacts/<path>`. */
  url: string;
}

/** Listing stops here: a job could leave millions of empty files. */
export const MAX_LISTED = 10_000;

/** `<data-dir>/artifacts`, where the executor leaves each build's artifacts. */
export function artifactsRoot(dataDir: string): string {
  return join(dataDir, "artifacts");
}

export function artifactUrl(buildId: string, path: string): string {
  return `/builds/${encodeURIComponent(buildId)}/artifacts/${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** The file's stat, or null when it went away. */
function stat(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** The real path of `path` if it exists and lies inside `dir` (itself a real path), else null. */
function inside(dir: string, path: string): string | null {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return null;
  }
  return real.startsWith(dir + sep) ? real : null;
}

/** The real path of the build's artifact directory, or null when it has none. */
function buildDir(dataDir: string, buildId: string): string | null {
  // Build ids may hold dots (api/params.ts): "." and ".." would name the root or the data dir.
  if (buildId === "." || buildId === ".." || buildId.includes("/")) return null;
  let root: string;
  try {
    root = realpathSync(artifactsRoot(dataDir));
  } catch {
    return null;
  }
  const dir = inside(root, join(root, buildId));
  return dir !== null && stat(dir)?.isDirectory() ? dir : null;
}

/** Every file under the build's artifact directory, sorted by path; [] when it has none. */
export function listArtifacts(dataDir: string, buildId: string): Artifact[] {
  const dir = buildDir(dataDir, buildId);
  if (dir === null) return [];
  const found: { path: string; size: number }[] = [];
  walk(dir, "", found);
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return found.map((f) => ({ ...f, url: artifactUrl(buildId, f.path) }));
}

function walk(dir: string, rel: string, out: { path: string; size: number }[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(rel === "" ? dir : join(dir, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (out.length >= MAX_LISTED) return;
    // A name the file route would refuse is not listed either.
    if (segmentProblem(e.name) !== null) continue;
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) walk(dir, path, out);
    else if (e.isFile() || e.isSymbolicLink()) {
      // A symlink is listed only when it points at a file inside the directory; never followed into a directory.
      const real = inside(dir, join(dir, path));
      const st = real === null ? null : stat(real);
      if (st?.isFile()) out.push({ path, size: st.size });
    }
  }
}

function segmentProblem(segment: string): string | null {
  if (segment === "") return "empty path segment (absolute path or //)";
  if (segment === "." || segment === "..") return `'${segment}' is not allowed`;
  if (segment.includes("/") || segment.includes("\\")) return "slashes and backslashes are not allowed in a name";
  if (segment.includes("\0")) return "NUL is not allowed";
  return null;
}

/** The path segments of a URL tail (`a/b%20c.txt`), decoded and checked; a string says what is wrong. */
export function parseArtifactPath(tail: string): string[] | string {
  if (tail === "") return "give the path of a file";
  const segments: string[] = [];
  for (const raw of tail.split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return "malformed percent-encoding";
    }
    const why = segmentProblem(segment);
    if (why !== null) return why;
    segments.push(segment);
  }
  return segments;
}

/** The real path and size of one artifact, or null when there is no such file inside the build's directory. */
export function findArtifact(dataDir: string, buildId: string, segments: string[]): { file: string; size: number } | null {
  const dir = buildDir(dataDir, buildId);
  if (dir === null) return null;
  const real = inside(dir, join(dir, ...segments));
  if (real === null) return null;
  const st = stat(real);
  return st?.isFile() ? { file: real, size: st.size } : null;
}

const TEXT = new Set([".txt", ".log", ".out", ".md", ".csv", ".tsv", ".diff", ".patch", ".yaml", ".yml", ".ini", ".toml", ".xml"]);
/** Markup a browser would run: shown as its source, never rendered from the UI's origin. */
const MARKUP = new Set([".html", ".htm", ".xhtml", ".svg", ".xsl", ".xslt"]);

/**
 * The headers an artifact is served with. Text is shown as text, JSON as JSON, markup as its
 * source (text/plain); anything else is a download. The caller adds `Content-Security-Policy:
 * sandbox` and `X-Content-Type-Options: nosniff` to every artifact response.
 */
export function artifactHeaders(name: string): Record<string, string> {
  const ext = extname(name).toLowerCase();
  if (ext === ".json") return { "content-type": "application/json; charset=utf-8" };
  if (TEXT.has(ext) || MARKUP.has(ext)) return { "content-type": "text/plain; charset=utf-8" };
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, "_");
  return {
    "content-type": "application/octet-stream",
    "content-disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
  };
}
