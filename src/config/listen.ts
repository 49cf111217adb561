import { isIPv4, isIPv6 } from "node:net";
import type { Listen } from "./model.ts";

/**
 * `HOST:PORT` as `web.listen`, `web.console-listen` and `--listen` write it. HOST is an IPv4
 * literal (`127.0.0.1`, each part 0–255), an IPv6 literal in brackets (`[::1]`), or a host name
 * (letters, digits and `-` in dot-separated labels of at most 63 characters, the last not all
 * digits). Checked when the config is read, so `256.1.1.1:80` is a config error with its line,
 * not a failed bind.
 */

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** The address, or why `text` is not one. `allowPortZero` lets a flag ask for any free port. */
export function parseHostPort(text: string, allowPortZero = false): Listen | string {
  const example = "expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080";
  const at = text.lastIndexOf(":");
  if (at <= 0) return example;
  const hostPart = text.slice(0, at);
  const portPart = text.slice(at + 1);
  if (!/^\d{1,5}$/.test(portPart)) return `${example} (the port must be a number)`;
  const port = Number(portPart);
  const low = allowPortZero ? 0 : 1;
  if (port < low || port > 65535) return `the port must be between ${low} and 65535, got ${port}`;
  const host = hostProblem(hostPart);
  if (typeof host !== "string") return host.problem;
  return { host, port };
}

/** The host without brackets, or what is wrong with it. */
function hostProblem(text: string): string | { problem: string } {
  if (text.startsWith("[")) {
    const inner = text.endsWith("]") ? text.slice(1, -1) : "";
    return isIPv6(inner) ? inner : { problem: `${clip(text)} is not an IPv6 address (write it in brackets, e.g. [::1]:8080)` };
  }
  if (text.includes(":")) return { problem: `write an IPv6 address in brackets, e.g. [${clip(text)}]:PORT` };
  const labels = text.split(".");
  // A name whose last label is all digits is an IPv4 address, or meant to be one.
  if (/^\d+$/.test(labels.at(-1) ?? "")) {
    return isIPv4(text) ? text : { problem: `${clip(text)} is not an IPv4 address (four numbers 0-255, e.g. 127.0.0.1)` };
  }
  if (text.length > 253 || !labels.every((l) => LABEL.test(l))) {
    return { problem: `${clip(text)} is not a host name or an IP address (letters, digits, '-' and '.')` };
  }
  return text;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** A listen address as a URL's host part: IPv6 in brackets. */
export function hostInUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
