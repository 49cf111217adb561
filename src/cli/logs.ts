import { plainText, TerminalFilter } from "../terminal.ts";
import { ApiClient, chunks, defaultUrl } from "./api-client.ts";
import { parseFlags, positionals } from "./args.ts";

/**
 * `gatebox logs BUILD [--follow] [--raw]`: a build's console on the terminal, live with --follow.
 * The job's output keeps its colours but no other control sequence reaches the terminal (a job
 * could otherwise set the window title, write the clipboard, clear the screen); --raw gives the bytes.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("logs", argv, {
    url: { type: "string" },
    follow: { type: "boolean", short: "f" },
    raw: { type: "boolean" },
  });
  const [build] = positionals("logs", pos, ["BUILD"]);
  const client = new ApiClient(defaultUrl(values.url));
  const filter = values.raw ? null : new TerminalFilter();
  const out = (text: string) => process.stdout.write(filter ? filter.push(text) : text);
  if (!values.follow) {
    const decoder = new TextDecoder();
    for await (const chunk of chunks(await client.log(build!))) {
      if (filter) out(decoder.decode(chunk, { stream: true }));
      else process.stdout.write(chunk);
    }
    if (filter) out(decoder.decode());
    return 0;
  }
  const ac = new AbortController();
  process.once("SIGINT", () => ac.abort());
  try {
    const result = await client.follow(
      build!,
      (ev) => {
        if (ev.kind === "i") process.stdout.write(`\x1b[2m[gatebox] ${values.raw ? ev.data : plainText(ev.data)}\x1b[0m\n`);
        else out(ev.data);
      },
      ac.signal,
    );
    process.stderr.write(`-- build ${build} finished${result ? `: ${plainText(result)}` : ""} --\n`);
    return result === "" || result === "SUCCESS" ? 0 : 1;
  } catch (err) {
    if ((err as Error).name === "AbortError") return 130;
    throw err;
  }
}
