import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import { InputError } from "../../errors.ts";

export const DEFAULT_DOCKER_ENDPOINT = "unix:///var/run/docker.sock";

/** PEM files as DOCKER_CERT_PATH holds them (ca.pem, cert.pem, key.pem). */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** How gatebox proves who it is to a remote engine and checks that the engine is the one meant. */
export interface EndpointAccess {
  /** tcp:// only: the engine's certificate must be signed by `ca`; gatebox shows `cert`. */
  tls?: TlsFiles | undefined;
  /** ssh:// only: the private key gatebox logs in with (no passphrase). */
  sshKey?: string | undefined;
  /** ssh:// only: fingerprints (SHA256:…, as `ssh-keygen -lf` prints them) the host's key must match. */
  sshHostKey?: readonly string[] | undefined;
  /** tcp:// only: plain HTTP to a host other than this one, accepted knowingly. */
  insecure?: boolean | undefined;
}

export type Endpoint =
  | { scheme: "unix"; path: string }
  | { scheme: "tcp"; host: string; port: number }
  | { scheme: "ssh"; user: string; host: string; port: number };

/** The config keys an endpoint problem is about (the executor entry's own keys). */
export type AccessField = "endpoint" | "tls" | "ssh-key" | "ssh-host-key" | "insecure";

export interface EndpointProblem {
  field: AccessField;
  message: string;
}

const HOST = String.raw`(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)`;
const TCP = new RegExp(String.raw`^tcp://${HOST}:(\d{1,5})/?$`);
const SSH = new RegExp(String.raw`^ssh://([A-Za-z0-9._][A-Za-z0-9._-]*)@${HOST}(?::(\d{1,5}))?/?$`);
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const EXPECTED = "expected unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST[:PORT]";

/** `unix:///path`, a bare `/path` (a socket), `tcp://HOST:PORT` or `ssh://USER@HOST[:PORT]`; else why not. */
export function parseEndpoint(text: string): Endpoint | string {
  if (text.startsWith("/")) return { scheme: "unix", path: text };
  if (text.startsWith("unix://")) {
    const path = text.slice("unix://".length);
    return path.startsWith("/") ? { scheme: "unix", path } : `unix socket path must be absolute: ${text}`;
  }
  const tcp = TCP.exec(text);
  const ssh = tcp ? null : SSH.exec(text);
  if (!tcp && !ssh) {
    if (/^ssh:\/\/[^@]*$/.test(text)) return `give the user to log in as: ssh://USER@HOST[:PORT], got ${JSON.stringify(text)}`;
    return `${EXPECTED}, got ${JSON.stringify(text)}`;
  }
  const portText = tcp ? tcp[2] : ssh![3];
  const port = portText === undefined ? 22 : Number(portText);
  if (port < 1 || port > 65535) return `port out of range: ${text}`;
  if (tcp) return { scheme: "tcp", host: unbracket(tcp[1]!), port };
  return { scheme: "ssh", user: ssh![1]!, host: unbracket(ssh![2]!), port };
}

function unbracket(host: string): string {
  return host.replace(/^\[|\]$/g, "");
}

/** This machine itself: plain HTTP to it never crosses a network. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Every problem of an endpoint with its access settings: a tcp:// endpoint to another host must
 * use TLS (or say `insecure: true`), an ssh:// one needs a key and the host's key fingerprint,
 * and a setting that does not fit the endpoint's scheme is refused rather than ignored.
 */
export function endpointProblems(text: string, access: EndpointAccess): EndpointProblem[] {
  const ep = parseEndpoint(text);
  if (typeof ep === "string") return [{ field: "endpoint", message: ep }];
  const out: EndpointProblem[] = [];
  const add = (field: AccessField, message: string) => out.push({ field, message });
  if (ep.scheme !== "tcp" && access.tls) add("tls", `only tcp:// endpoints use tls (this one is ${ep.scheme}://)`);
  if (ep.scheme !== "tcp" && access.insecure) add("insecure", `only a plain tcp:// endpoint can be insecure (this one is ${ep.scheme}://)`);
  if (ep.scheme !== "ssh" && access.sshKey !== undefined) add("ssh-key", `only ssh:// endpoints use an ssh key (this one is ${ep.scheme}://)`);
  if (ep.scheme !== "ssh" && access.sshHostKey !== undefined) add("ssh-host-key", `only ssh:// endpoints have a host key (this one is ${ep.scheme}://)`);
  if (ep.scheme === "tcp") tcpProblems(ep.host, access, add);
  if (ep.scheme === "ssh") sshProblems(ep, access, add);
  return out;
}

function tcpProblems(host: string, access: EndpointAccess, add: (field: AccessField, message: string) => void): void {
  if (access.tls && access.insecure) add("insecure", "tls is set, so the endpoint is not insecure: drop insecure");
  if (access.tls || access.insecure || isLoopback(host)) return;
  add(
    "endpoint",
    `plain tcp:// to ${host} opens the Docker API (root on that host) to anyone on the network, unencrypted: ` +
      "give tls: {ca, cert, key}, use ssh://, or write insecure: true to accept that",
  );
}

function sshProblems(ep: Extract<Endpoint, { scheme: "ssh" }>, access: EndpointAccess, add: (field: AccessField, message: string) => void): void {
  if (access.sshKey === undefined) add("ssh-key", "an ssh:// endpoint needs ssh-key: the private key file gatebox logs in with");
  const keyscan = `ssh-keyscan -p ${ep.port} ${ep.host} | ssh-keygen -lf -`;
  if (access.sshHostKey === undefined || access.sshHostKey.length === 0) {
    add("ssh-host-key", `an ssh:// endpoint needs ssh-host-key: the fingerprint of the host's key (SHA256:…; \`${keyscan}\` shows it)`);
    return;
  }
  for (const fp of access.sshHostKey) {
    if (!FINGERPRINT.test(fp)) add("ssh-host-key", `expected SHA256:<43 characters>, as \`${keyscan}\` prints it, got ${JSON.stringify(fp)}`);
  }
}

/**
 * Keys docker-modem would otherwise take from DOCKER_HOST / DOCKER_CERT_PATH of gatebox's own
 * environment: the config's endpoint is the one used, whatever the shell exported.
 */
const NOT_FROM_ENV = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: undefined,
  username: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
  pathPrefix: undefined,
  timeout: undefined,
} as const;

/**
 * Turns an endpoint and its access settings into dockerode options, reading the TLS and SSH key
 * files. Throws an InputError naming `where` (the config entry) and the field.
 */
export function dockerOptions(text: string, access: EndpointAccess = {}, where = "executor"): Docker.DockerOptions {
  const problems = endpointProblems(text, access).map((p) => `${where}.${p.field}: ${p.message}`);
  if (problems.length > 0) throw new InputError(problems.join("\n"), problems);
  const ep = parseEndpoint(text) as Endpoint;
  if (ep.scheme === "unix") return { ...NOT_FROM_ENV, socketPath: ep.path };
  if (ep.scheme === "tcp" && !access.tls) return { ...NOT_FROM_ENV, host: ep.host, port: ep.port, protocol: "http" };
  if (ep.scheme === "tcp") return { ...NOT_FROM_ENV, host: ep.host, port: ep.port, protocol: "https", ...readTls(access.tls!, `${where}.tls`) };
  const sshOptions = {
    privateKey: readSshKey(access.sshKey!, `${where}.ssh-key`),
    hostVerifier: hostKeyCheck(access.sshHostKey!),
  };
  return { ...NOT_FROM_ENV, host: ep.host, port: ep.port, protocol: "ssh", username: ep.user, sshOptions } as Docker.DockerOptions;
}

/** The engine's certificate is checked against `ca`, and its name against the endpoint's host. */
function readTls(files: TlsFiles, where: string): { ca: string[]; cert: string; key: string } {
  const ca = pemBlocks(readPem(files.ca, `${where}.ca`, "CERTIFICATE"), "CERTIFICATE");
  const key = readPem(files.key, `${where}.key`, "PRIVATE KEY");
  if (/ENCRYPTED/.test(key)) throw passphrase(files.key, `${where}.key`);
  return { ca, cert: readPem(files.cert, `${where}.cert`, "CERTIFICATE"), key };
}

function passphrase(path: string, where: string): InputError {
  return new InputError(`${where}: ${path} is protected by a passphrase; gatebox needs a key without one (readable only by gatebox)`);
}

function readPem(path: string, where: string, kind: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`${where}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  if (!new RegExp(`-----BEGIN [A-Z0-9 ]*${kind}-----`).test(text)) throw new InputError(`${where}: ${path} holds no PEM ${kind.toLowerCase()}`);
  return text;
}

function pemBlocks(text: string, kind: string): string[] {
  return text.match(new RegExp(`-----BEGIN ${kind}-----[\\s\\S]*?-----END ${kind}-----`, "g")) ?? [];
}

/** The key as ssh2 wants it; one protected by a passphrase is refused here, since nobody could type it. */
function readSshKey(path: string, where: string): string {
  const text = readPem(path, where, "PRIVATE KEY");
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(text)?.[1];
  const encrypted = body === undefined ? /ENCRYPTED/.test(text) : opensshCipher(Buffer.from(body.replace(/\s+/g, ""), "base64")) !== "none";
  if (encrypted) throw passphrase(path, where);
  return text;
}

/** The cipher of an OpenSSH private key ("none" when it has no passphrase). */
function opensshCipher(blob: Buffer): string {
  const magic = "openssh-key-v1\0";
  if (blob.length < magic.length + 4 || blob.toString("latin1", 0, magic.length) !== magic) return "unknown";
  const len = blob.readUInt32BE(magic.length);
  return blob.toString("latin1", magic.length + 4, magic.length + 4 + len);
}

/** ssh2 hands the host's raw public key; its OpenSSH fingerprint is the unpadded base64 SHA-256. */
function hostKeyCheck(fingerprints: readonly string[]): (key: Buffer) => boolean {
  return (key) => fingerprints.includes(`SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`);
}

/** A few words on why a TLS or SSH connection to `endpoint` failed, from the error's code or text. */
export function accessHint(err: unknown, endpoint = ""): string | null {
  const e = (typeof err === "object" && err !== null ? err : {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const text = `${code} ${typeof e.message === "string" ? e.message : ""}`;
  if (/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER|CERT_SIGNATURE_FAILURE|unable to verify/i.test(text)) {
    return "the engine's certificate is not signed by tls.ca";
  }
  if (/ALTNAME|Hostname\/IP does not match/i.test(text)) return "the engine's certificate is not issued for this host name or address";
  if (/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/.test(text)) return "the engine's certificate has expired or is not valid yet";
  if (/BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN/i.test(text)) {
    return "the engine refused our client certificate (tls.cert): it must be signed by a CA the engine's --tlscacert trusts";
  }
  if (/HTTP request to an HTTPS server/i.test(text)) return "the engine speaks TLS: give tls: {ca, cert, key}";
  if (/verification failed|Host denied/i.test(text)) return "the host's key is not the one ssh-host-key names";
  if (/authentication methods failed/i.test(text)) return "the host refused ssh-key for this user";
  if (endpoint.startsWith("ssh://") && /socket hang up/i.test(text)) {
    return "`docker system dial-stdio` ended at once on the host: is the docker CLI on the user's PATH there, and may the user reach the engine?";
  }
  return null;
}
