import { readFileSync } from "node:fs";
import { InputError } from "../errors.ts";
import type { SecretRef } from "./model.ts";
import { Secret } from "./secret.ts";

/** Reads a secret from its environment variable or file; `field` names it in errors (never the value). */
export function resolveSecret(ref: SecretRef, field: string, env: NodeJS.ProcessEnv = process.env): Secret {
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (value === undefined || value === "") throw new InputError(`${field}: environment variable ${ref.env} is not set`);
    return new Secret(value, `env ${ref.env}`);
  }
  if (ref.file !== undefined) {
    try {
      return new Secret(readFileSync(ref.file, "utf8").trim(), `file ${ref.file}`);
    } catch (err) {
      throw new InputError(`${field}: cannot read ${ref.file} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  }
  throw new InputError(`${field}: no env or file given`);
}
