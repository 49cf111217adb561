import { networkInterfaces } from "node:os";
import type { MiddlewareHandler } from "hono";

/**
 * The Host allow-list against DNS rebinding (docs/web.md): a page on another site whose name
 * has been pointed at this machine reaches the server with that site's name in `Host`, so only
 * the names the server is known by are answered: `web.url`'s host, the listen address, and the
 * loopback names, each with the right port. Anything else is a 421 before any route.
 */

export const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"] as const;

/** Addresses that mean "every interface": the host's own addresses stand for them. */
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]", ""]);

/** A name as it appears in a Host header: lowercase, an IPv6 address in brackets. */
function hostName(name: string): string {
  const n = name.toLowerCase();
  return n.includes(":") && !n.startsWith("[") ? `[${n}]` : n;
}

/** The addresses of this machine's interfaces (scoped IPv6 link-local ones left out: no Host names them). */
function interfaceAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.address.includes("%") && !a.address.toLowerCase().startsWith("fe80:")) out.push(hostName(a.address));
  }
  return out;
}

/**
 * Every Host header value (`name:port`, lowercase) the server answers for: web.url's host as a
 * browser sends it (no port when it is the scheme's default) and with its port; the listen
 * address (every interface address when it is a wildcard such as 0.0.0.0); the loopback names.
 * On port 80 the names are also accepted without a port.
 */
export function webHosts(opts: { url: string; listen: { host: string; port: number } }): string[] {
  const hosts = new Set<string>();
  try {
    const u = new URL(opts.url);
    hosts.add(u.host.toLowerCase());
    hosts.add(`${u.hostname.toLowerCase()}:${u.port || (u.protocol === "https:" ? 443 : 80)}`);
  } catch {
    // web.url was checked by the config loader; a bad one only adds nothing here
  }
  const names = WILDCARDS.has(opts.listen.host) ? interfaceAddresses() : [hostName(opts.listen.host)];
  for (const name of [...names, ...LOOPBACK_NAMES]) {
    hosts.add(`${name}:${opts.listen.port}`);
    if (opts.listen.port === 80) hosts.add(name);
  }
  return [...hosts];
}

/** The name part of a Host header value (`[::1]:8080` → `[::1]`, `example.com:80` → `example.com`). */
function nameOf(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

/**
 * Whether a Host header is allowed. `allowed` undefined (an app built without a list, as in
 * tests): the loopback names on any port. A request without a Host header is let through: no
 * browser sends one, so it cannot be a rebinding attack.
 */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string> | undefined): boolean {
  if (header === undefined || header === "") return true;
  const host = header.trim().toLowerCase();
  if (allowed === undefined) return (LOOPBACK_NAMES as readonly string[]).includes(nameOf(host));
  return allowed.has(host);
}

/** Answers 421 Misdirected Request, before any route, to a Host that is not on the list. */
export function hostGuard(allowed: readonly string[] | undefined): MiddlewareHandler {
  const set = allowed === undefined ? undefined : new Set(allowed.map((h) => h.toLowerCase()));
  return async (c, next) => {
    const host = c.req.header("host");
    if (!hostAllowed(host, set)) {
      const shown = JSON.stringify((host ?? "").slice(0, 100));
      return c.json({ error: `misdirected request: this gatebox does not answer for the host ${shown} (see web.url)` }, 421);
    }
    await next();
  };
}
