import { HTTPException } from "hono/http-exception";

/** Query and path parameter checks: bad input is a 400 whose message names the parameter. */

export function bad(field: string, message: string): never {
  throw new HTTPException(400, { message: `${field}: ${message}` });
}

export function optionalString(value: string | undefined, field: string, max = 200): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > max) bad(field, `longer than ${max} characters`);
  return value;
}

export function optionalInt(value: string | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) bad(field, `must be an integer, got '${value.slice(0, 40)}'`);
  const n = Number(value);
  if (n < min || n > max) bad(field, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function oneOf<T extends string>(value: string | undefined, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(allowed as readonly string[]).includes(value)) bad(field, `must be one of ${allowed.join(", ")}; got '${value.slice(0, 40)}'`);
  return value as T;
}

const BUILD_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export function buildId(value: string): string {
  if (!BUILD_ID.test(value)) bad("id", `not a build id: '${value.slice(0, 40)}'`);
  return value;
}

export const RESULTS = ["SUCCESS", "FAILURE", "TIMED_OUT", "ABORTED", "RETRY_LIMIT", "SKIPPED", "ERROR"] as const;

/** The history filters, shared by `/api/history` and the `/history` page. */
export function historyFilter(q: Record<string, string>, now: number) {
  return {
    project: optionalString(q["project"], "project"),
    pipeline: optionalString(q["pipeline"], "pipeline"),
    change: optionalInt(q["change"], "change", 1, Number.MAX_SAFE_INTEGER),
    days: optionalInt(q["days"], "days", 1, 3650) ?? 30,
    now,
  };
}
