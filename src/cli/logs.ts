import { ApiClient, chunks, defaultUrl } from "./api-client.ts";
import { parseFlags, positionals } from "./args.ts";

/** `gatebox logs BUILD [--follow]`: a build's console on the terminal, live with --follow. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals: pos } = parseFlags("logs", argv, {
    url: { type: "string" },
    follow: { type: "boolean", short: "f" },
  });
  const [build] = positionals("logs", pos, ["BUILD"]);
  const client = new ApiClient(defaultUrl(values.url));
  if (!values.follow) {
    for await (const chunk of chunks(await client.log(build!))) process.stdout.write(chunk);
    return 0;
  }
  const ac = new AbortController();
  process.once("SIGINT", () => ac.abort());
  try {
    const result = await client.follow(
      build!,
      (ev) => {
        if (ev.kind === "i") process.stdout.write(`\x1b[2m[gatebox] ${ev.data}\x1b[0m\n`);
        else process.stdout.write(ev.data);
      },
      ac.signal,
    );
    process.stderr.write(`-- build ${build} finished${result ? `: ${result}` : ""} --\n`);
    return result === "" || result === "SUCCESS" ? 0 : 1;
  } catch (err) {
    if ((err as Error).name === "AbortError") return 130;
    throw err;
  }
}
