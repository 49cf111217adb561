import { createHash, timingSafeEqual } from "node:crypto";
import type { Secret } from "../config/secret.ts";

/**
 * Whether an Authorization header carries the admin token. Both sides are hashed first so the
 * comparison is constant-time whatever their lengths; a missing token never matches.
 */
export function bearerMatches(header: string | undefined, token: Secret | null): boolean {
  if (token === null || header === undefined) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  const a = createHash("sha256").update(m[1]!.trim()).digest();
  const b = createHash("sha256").update(token.reveal()).digest();
  return timingSafeEqual(a, b) && token.reveal() !== "";
}
