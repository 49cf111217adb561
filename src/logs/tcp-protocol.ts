/**
 * The plain TCP console's protocol (tcp-console.ts), without I/O: the one-line request a client
 * sends, and how each console event is written back.
 * Accepted: `BUILD`, finger-style `BUILD@host` (what `finger BUILD@host` sends), and finger's
 * verbose prefix `/W BUILD`. Build ids are letters, digits, `.`, `_`, `-`.
 */
export type ConsoleRequest = { ok: true; buildId: string } | { ok: false; error: string };

const BUILD_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export function parseConsoleRequest(line: string): ConsoleRequest {
  let s = line.replace(/\r?\n$/, "").trim();
  if (s.startsWith("/W")) s = s.slice(2).trim();
  const at = s.indexOf("@");
  if (at >= 0) s = s.slice(0, at);
  if (s === "") return { ok: false, error: "send a build id, e.g. `17` or `17@host`" };
  if (!BUILD_ID.test(s)) return { ok: false, error: `not a build id: '${s.slice(0, 40)}'` };
  return { ok: true, buildId: s };
}

/** What a watcher's terminal receives for one console event ("" for none). */
export function renderTcpEvent(ev: { kind: string; data: string }): string {
  switch (ev.kind) {
    case "o":
    case "e":
      return ev.data.replace(/\r?\n/g, "\r\n");
    case "i":
      return `\x1b[2m[gatebox] ${ev.data}\x1b[0m\r\n`;
    case "x":
      return `\r\n-- build finished: ${ev.data} --\r\n`;
    default:
      return "";
  }
}
