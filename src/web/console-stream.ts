import { existsSync } from "node:fs";
import type { ConsoleEvent, ConsoleHeader } from "../logs/console-format.ts";
import { ConsoleReader } from "../logs/console-reader.ts";

/**
 * A console file, as it is at the time of the call, rendered event by event into a byte stream
 * (the raw log, the asciicast). Reads in bounded steps, pulled by the client: memory stays at one
 * read buffer whatever the log's size, and a slow download only slows itself.
 */
export function renderConsoleFile(
  path: string,
  render: { header?: (h: ConsoleHeader | null) => string; event: (ev: ConsoleEvent) => string },
): ReadableStream<Uint8Array> | null {
  if (!existsSync(path)) return null;
  const enc = new TextEncoder();
  let reader: ConsoleReader | null = null;
  let limit = 0;
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (reader === null) {
        reader = await ConsoleReader.open(path);
        limit = await reader.size();
      }
      while (true) {
        if (reader.offset >= limit) {
          if (first && render.header) controller.enqueue(enc.encode(render.header(null)));
          await reader.close();
          controller.close();
          return;
        }
        const before = reader.offset;
        const step = await reader.next(limit);
        let text = "";
        if (first) {
          first = false;
          if (render.header) text += render.header(step.header);
        }
        for (const ev of step.events) text += render.event(ev);
        if (reader.offset === before) limit = before; // torn tail: stop there
        if (text !== "") {
          controller.enqueue(enc.encode(text));
          return;
        }
      }
    },
    async cancel() {
      await reader?.close();
    },
  });
}

/** The raw log's text for one event: the job's output as is, gatebox's own lines marked. */
export function logText(ev: ConsoleEvent): string {
  if (ev.kind === "o" || ev.kind === "e") return ev.data;
  if (ev.kind === "i") return `[gatebox] ${ev.data}\n`;
  return "";
}
