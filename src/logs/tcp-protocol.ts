import { plainText, TerminalFilter, terminalSafe } from "../terminal.ts";

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

/**
 * What a watcher's terminal receives for one console event ("" for none). The job's output keeps
 * its colours and loses every other control sequence (a job must not set the watcher's window
 * title, write their clipboard or clear their screen: src/terminal.ts); gatebox's own lines are
 * plain text. Without `filters` each event is filtered on its own; a stream passes its own
 * (TcpRenderer), since a sequence may be split across events.
 */
export function renderTcpEvent(ev: { kind: string; data: string }, filters?: { o: TerminalFilter; e: TerminalFilter }): string {
  switch (ev.kind) {
    case "o":
    case "e": {
      const safe = filters ? filters[ev.kind].push(ev.data) : terminalSafe(ev.data);
      return safe.replace(/\r?\n/g, "\r\n");
    }
    case "i":
      return `\x1b[2m[gatebox] ${plainText(ev.data)}\x1b[0m\r\n`;
    case "x":
      return `\r\n-- build finished: ${plainText(ev.data)} --\r\n`;
    default:
      return "";
  }
}

/** One watcher's stream: a filter for stdout and one for stderr, kept across events. */
export class TcpRenderer {
  private readonly filters = { o: new TerminalFilter(), e: new TerminalFilter() };

  render(ev: { kind: string; data: string }): string {
    return renderTcpEvent(ev, this.filters);
  }
}
