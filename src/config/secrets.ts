import { InputError } from "../errors.ts";
import type { GateboxConfig, SecretRef } from "./model.ts";
import { readSmallFile } from "./read-file.ts";
import { Secret } from "./secret.ts";
import { sizeText } from "./units.ts";

/** A secret file (`{file: PATH}`) larger than this is refused: a token or password is a few hundred bytes. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Secrets (the Gerrit HTTP password, the admin token, the jobs' `secrets:`) are read from the environment or a file
 * when gatebox starts, never from the config itself. A missing one is a problem of the machine
 * that runs gatebox, not of the file: `gatebox validate` warns (it may run elsewhere) and
 * `gatebox serve` refuses to start, both naming every missing secret at once.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** The secret, or why it cannot be had: a message naming the place, never the value. */
function readSecret(ref: SecretRef, field: string, env: Env): Secret | string {
  const where = ref.place ?? field;
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (value === undefined || value === "") return `${where}: environment variable ${ref.env} is not set`;
    return new Secret(value, `env ${ref.env}`);
  }
  if (ref.file !== undefined) {
    // A regular file of at most 64 KiB, checked before reading: /dev/zero or a FIFO must not hang or fill memory.
    const read = readSmallFile(ref.file, MAX_SECRET_FILE_BYTES);
    if ("code" in read) return `${where}: cannot read ${ref.file} (${read.code})`;
    if ("why" in read) return `${where}: ${ref.file} ${read.why} (a secret file must be a regular file of at most ${sizeText(MAX_SECRET_FILE_BYTES)})`;
    const text = read.text.trim();
    // An empty password would only show up later as a 401 from Gerrit, far from its cause.
    if (text === "") return `${where}: ${ref.file} is empty`;
    return new Secret(text, `file ${ref.file}`);
  }
  return `${where}: no env or file given`;
}

/** Reads one secret; `field` names it in errors when the reference carries no place. */
export function resolveSecret(ref: SecretRef, field: string, env: Env = process.env): Secret {
  const secret = readSecret(ref, field, env);
  if (typeof secret === "string") throw new InputError(secret);
  return secret;
}

/** One secret the config names: the field that names it, and where its value goes once read. */
interface Named {
  ref: SecretRef;
  field: string;
  put(out: ConfigSecrets, secret: Secret): void;
}

/** Every secret the config names, with the field that names it. */
function secretRefs(config: GateboxConfig): Named[] {
  const refs: Named[] = [];
  if (config.gerrit) {
    const put = (o: ConfigSecrets, s: Secret) => {
      o.gerritPassword = s;
    };
    refs.push({ ref: config.gerrit.password, field: "connections.gerrit.password", put });
  }
  if (config.web.adminToken) {
    const put = (o: ConfigSecrets, s: Secret) => {
      o.adminToken = s;
    };
    refs.push({ ref: config.web.adminToken, field: "web.admin-token", put });
  }
  for (const [name, ref] of config.secrets) {
    const put = (o: ConfigSecrets, s: Secret) => {
      o.jobSecrets.set(name, s);
    };
    refs.push({ ref, field: `secrets.${name}`, put });
  }
  return refs;
}

/** One line per secret that cannot be read (unset variable, unreadable or empty file); empty when all can. */
export function checkSecrets(config: GateboxConfig, env: Env = process.env): string[] {
  return secretRefs(config).flatMap(({ ref, field }) => {
    const secret = readSecret(ref, field, env);
    return typeof secret === "string" ? [secret] : [];
  });
}

export interface ConfigSecrets {
  gerritPassword: Secret | null;
  adminToken: Secret | null;
  /** The top-level `secrets:` by name, for the jobs that list them (`JobConfig.secrets`). */
  jobSecrets: Map<string, Secret>;
}

/**
 * Reads every secret of the config, for `gatebox serve`. Throws one InputError listing every
 * secret that cannot be read, so the operator fixes them all in one go.
 */
export function resolveSecrets(config: GateboxConfig, env: Env = process.env): ConfigSecrets {
  const out: ConfigSecrets = { gerritPassword: null, adminToken: null, jobSecrets: new Map() };
  const problems: string[] = [];
  for (const { ref, field, put } of secretRefs(config)) {
    const secret = readSecret(ref, field, env);
    if (typeof secret === "string") problems.push(secret);
    else put(out, secret);
  }
  if (problems.length > 0) throw new InputError(problems.join("\n"), problems);
  return out;
}
