/**
 * Incremental parser of a server-sent events stream (the CLI's `logs --follow`, tests, the
 * benchmark): feed text in any pieces, get whole messages. Only `event` and `data` fields are
 * kept; comments (": keepalive") are skipped. Not for concurrent use.
 */
export interface SseMessage {
  event: string;
  data: string;
}

export class SseParser {
  private buf = "";
  private event = "";
  private data: string[] = [];

  push(chunk: string): SseMessage[] {
    this.buf += chunk;
    const out: SseMessage[] = [];
    let nl = this.buf.search(/\r\n|\r|\n/);
    while (nl >= 0) {
      const line = this.buf.slice(0, nl);
      const skip = this.buf.startsWith("\r\n", nl) ? 2 : 1;
      this.buf = this.buf.slice(nl + skip);
      if (line === "") {
        if (this.data.length > 0 || this.event !== "") out.push({ event: this.event || "message", data: this.data.join("\n") });
        this.event = "";
        this.data = [];
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") this.event = value;
        else if (field === "data") this.data.push(value);
      }
      nl = this.buf.search(/\r\n|\r|\n/);
    }
    return out;
  }
}
