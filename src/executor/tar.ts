/**
 * Just enough tar for artifacts: a streaming reader of what Docker's archive API and GNU tar
 * write (ustar, PAX and GNU long names, base-256 sizes), and a writer of single entries. No I/O;
 * memory stays bounded: file data is handed on as it arrives, never buffered whole.
 */

export type TarEntryType = "file" | "dir" | "symlink" | "hardlink" | "other";

export interface TarEntry {
  /** The path as stored (PAX or GNU long names applied), e.g. "out/sub/x.json". */
  name: string;
  type: TarEntryType;
  /** Bytes of data that follow (files). */
  size: number;
  mode: number;
  /** Target of a symlink or hard link. */
  linkname: string;
}

/** Receives a tar's entries in order: `entry`, then its data in chunks, then `end`. */
export interface TarSink {
  entry(e: TarEntry): void;
  data(chunk: Uint8Array): void;
  end(): void;
}

const BLOCK = 512;
/** PAX and GNU long-name records are metadata: far smaller than this in any sane archive. */
const MAX_META = 1024 * 1024;

export class TarFormatError extends Error {}

/** Parses a tar stream pushed in chunks of any size. */
export class TarReader {
  private readonly header = new Uint8Array(BLOCK);
  private fill = 0;
  /** Data bytes of the current entry still to come, then padding to skip. */
  private remaining = 0;
  private padding = 0;
  /** Set while reading a PAX or GNU metadata entry's data. */
  private meta: { kind: string; bytes: Uint8Array[]; size: number } | null = null;
  private pending: { path?: string; linkpath?: string; size?: number } = {};
  private inEntry = false;
  private ended = false;

  constructor(private readonly sink: TarSink) {}

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && !this.ended) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        this.takeData(chunk.subarray(i, i + n));
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.endData();
      } else if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - i);
        this.padding -= n;
        i += n;
      } else {
        const n = Math.min(BLOCK - this.fill, chunk.length - i);
        this.header.set(chunk.subarray(i, i + n), this.fill);
        this.fill += n;
        i += n;
        if (this.fill === BLOCK) {
          this.fill = 0;
          this.onHeader();
        }
      }
    }
  }

  /** The input ended: throws TarFormatError when it stopped inside an entry. */
  finish(): void {
    if (this.ended) return;
    if (this.remaining > 0 || this.fill > 0 || this.meta) throw new TarFormatError("the archive ends in the middle of an entry");
    // Some writers omit the two zero blocks at the end; what came is complete.
  }

  private takeData(part: Uint8Array): void {
    if (this.meta) this.meta.bytes.push(part.slice());
    else this.sink.data(part);
  }

  private endData(): void {
    if (this.meta) {
      this.applyMeta(this.meta.kind, concat(this.meta.bytes));
      this.meta = null;
    } else if (this.inEntry) {
      this.inEntry = false;
      this.sink.end();
    }
  }

  private onHeader(): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    if (checksum(h) !== octal(h, 148, 8)) throw new TarFormatError("bad header checksum (not a tar archive?)");
    const flag = String.fromCharCode(h[156]!);
    const isMeta = flag === "x" || flag === "g" || flag === "L" || flag === "K";
    const size = isMeta ? readSize(h) : (this.pending.size ?? readSize(h));
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.remaining = size;
    if (isMeta) {
      if (size > MAX_META) throw new TarFormatError(`a ${size}-byte metadata entry`);
      this.meta = { kind: flag, bytes: [], size };
      if (size === 0) this.endData();
      return;
    }
    const entry = this.entryOf(h, flag, size);
    this.pending = {};
    this.inEntry = true;
    this.sink.entry(entry);
    if (size === 0) this.endData();
  }

  private entryOf(h: Uint8Array, flag: string, size: number): TarEntry {
    const magic = text(h, 257, 6);
    // POSIX ustar keeps a name prefix at 345; GNU ("ustar  ") uses that space for other things.
    const prefix = magic === "ustar" ? text(h, 345, 155) : "";
    const base = text(h, 0, 100);
    const name = this.pending.path ?? (prefix ? `${prefix}/${base}` : base);
    const linkname = this.pending.linkpath ?? text(h, 157, 100);
    let type: TarEntryType = "other";
    if (flag === "0" || flag === "\0" || flag === "7") type = name.endsWith("/") ? "dir" : "file";
    else if (flag === "5") type = "dir";
    else if (flag === "2") type = "symlink";
    else if (flag === "1") type = "hardlink";
    return { name, type, size, mode: octal(h, 100, 8), linkname };
  }

  private applyMeta(kind: string, data: Uint8Array): void {
    const s = () => new TextDecoder().decode(data).replace(/\0.*$/s, "");
    if (kind === "L") this.pending.path = s();
    else if (kind === "K") this.pending.linkpath = s();
    else if (kind === "x") Object.assign(this.pending, parsePax(data));
    // "g" (global PAX) carries nothing a reader of files needs.
  }
}

/** Records "LEN key=value\n" of a PAX extended header (LEN counts bytes): path, linkpath and size are used. */
function parsePax(data: Uint8Array): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let i = 0;
  while (i < data.length && data[i] !== 0) {
    const sp = data.indexOf(0x20, i);
    const len = sp < 0 ? Number.NaN : Number(new TextDecoder().decode(data.subarray(i, sp)));
    if (!Number.isInteger(len) || len <= sp - i + 1 || i + len > data.length) throw new TarFormatError("bad PAX record");
    const record = new TextDecoder().decode(data.subarray(sp + 1, i + len - 1));
    const eq = record.indexOf("=");
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === "path") out.path = value;
    else if (key === "linkpath") out.linkpath = value;
    else if (key === "size") out.size = Number(value);
    i += len;
  }
  if (out.size !== undefined && !(Number.isSafeInteger(out.size) && out.size >= 0)) throw new TarFormatError("bad PAX size");
  return out;
}

function text(h: Uint8Array, at: number, len: number): string {
  const field = h.subarray(at, at + len);
  const nul = field.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? field : field.subarray(0, nul));
}

function octal(h: Uint8Array, at: number, len: number): number {
  const s = text(h, at, len).trim();
  return s === "" ? 0 : Number.parseInt(s, 8);
}

/** Octal, or GNU's base-256 (first byte's high bit set) for sizes over 8 GiB. */
function readSize(h: Uint8Array): number {
  if ((h[124]! & 0x80) === 0) return octal(h, 124, 12);
  let n = h[124]! & 0x7f;
  for (let i = 125; i < 136; i++) n = n * 256 + h[i]!;
  if (!Number.isSafeInteger(n)) throw new TarFormatError("entry size out of range");
  return n;
}

function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One entry to write: owner root (uid/gid 0) unless given. */
export interface NewTarEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "hardlink";
  mode: number;
  data?: Uint8Array;
  linkname?: string;
}

const FLAGS = { file: "0", dir: "5", symlink: "2", hardlink: "1" } as const;

/** The bytes of one entry (a PAX header first when its name is longer than ustar allows). */
export function tarEntry(e: NewTarEntry): Uint8Array {
  const data = e.data ?? new Uint8Array(0);
  const utf8 = new TextEncoder().encode(e.name);
  const parts: Uint8Array[] = [];
  if (utf8.length > 100) {
    const body = paxRecord("path", e.name);
    parts.push(header({ name: "././@PaxHeader", flag: "x", mode: 0o644, size: body.length }), pad(body));
  }
  parts.push(header({ name: e.name, flag: FLAGS[e.type], mode: e.mode, size: data.length, linkname: e.linkname }));
  if (data.length > 0) parts.push(pad(data));
  return concat(parts);
}

/** The two zero blocks that end an archive. */
export function tarEnd(): Uint8Array {
  return new Uint8Array(2 * BLOCK);
}

function paxRecord(key: string, value: string): Uint8Array {
  const rest = ` ${key}=${value}\n`;
  const restLen = new TextEncoder().encode(rest).length;
  let len = restLen + String(restLen).length;
  if (String(len).length !== String(restLen).length) len = restLen + String(len).length;
  return new TextEncoder().encode(`${len}${rest}`);
}

function header(f: { name: string; flag: string; mode: number; size: number; linkname?: string }): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (at: number, len: number, s: string) => h.set(new TextEncoder().encode(s).subarray(0, len), at);
  const num = (at: number, len: number, n: number) => put(at, len, `${n.toString(8).padStart(len - 1, "0")}\0`);
  put(0, 100, f.name);
  num(100, 8, f.mode);
  num(108, 8, 0);
  num(116, 8, 0);
  num(124, 12, f.size);
  num(136, 12, Math.floor(Date.now() / 1000));
  put(148, 8, "        ");
  put(156, 1, f.flag);
  put(157, 100, f.linkname ?? "");
  put(257, 8, "ustar\x0000");
  put(148, 8, `${checksum(h).toString(8).padStart(6, "0")}\0 `);
  return h;
}

function pad(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}
