/** The subcommand table: each command lives in its own file and is loaded on use. */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

export interface Command {
  summary: string;
  help: string;
  load(): Promise<CommandModule>;
}

export const commands: Record<string, Command> = {
  serve: {
    summary: "run the gate: poll Gerrit, schedule, run builds, serve the web UI",
    help: `Usage: gatebox serve [--config FILE] [--data DIR] [--listen HOST:PORT] [--log-format text|json]

Runs gatebox. With no config file it starts anyway: data in ./.gatebox/, the web UI on
127.0.0.1:8080 explaining how to add a Gerrit connection.

Options:
  --config FILE       the config file (default: ./gatebox.yaml when present)
  --data DIR          where the SQLite store and logs live (default: ./.gatebox)
  --listen HOST:PORT  the web listener (default: 127.0.0.1:8080, or web.listen from the config)
  --console-listen HOST:PORT|off
                      the plain TCP console stream (default: 127.0.0.1:7900, or web.console-listen)
  --log-format text|json
                      the operator log: lines of text (default), or one JSON object per line
                      {"t":ISO time,"level"?:"error"|"warn","msg":line} (docs/operations.md)

SIGINT or SIGTERM stops it at once; running builds keep running and are reattached at the
next start.
`,
    load: () => import("./serve.ts"),
  },
  validate: {
    summary: "check a config file; exit 0 when valid, 1 with every error otherwise",
    help: `Usage: gatebox validate [FILE]

Checks FILE (default ./gatebox.yaml, a regular file of at most 1 MiB). Prints every problem as
FILE:LINE: FIELD: MESSAGE (the first 200, then how many more) and exits 1, or prints a summary
and exits 0.
`,
    load: () => import("./validate.ts"),
  },
  simulate: {
    summary: "run scenarios through the real scheduler on a virtual clock",
    help: `Usage: gatebox simulate FILE... [--json | --pretty] [--compare zuul,adaptive]

Runs each scenario file (format: docs/scenarios.md) through the real scheduler core with a fake
merger, executor and reporter on a virtual clock, and checks its expect block. For a generated
stream it also prints merges/hour, time in queue and builds beside the serial baseline, and warns
when arrivals outrun the gate.
Exit status: 0 all pass, 1 any fails, 2 a file is invalid.

Options:
  --json                    one JSON object per file (JSON Lines)
  --pretty                  the same JSON, indented for people
  --compare zuul,adaptive   run each file with both gate strategies and print them side by side
                            (merges/hour, mean and p95 time in queue, builds started and wasted)
`,
    load: () => import("./simulate.ts"),
  },
  status: {
    summary: "show every pipeline's queues of a running gatebox",
    help: `Usage: gatebox status [--url URL] [--pipeline NAME] [--json]

Prints each pipeline's queues as a tree (an item hangs from the item it is tested on; a failing
item branches off with ↳), each item's jobs, progress and ETA.

Options:
  --url URL        the gatebox web address (default: $GATEBOX_URL or http://127.0.0.1:8080)
  --pipeline NAME  only this pipeline
  --json           the raw /api/status JSON
`,
    load: () => import("./status.ts"),
  },
  enqueue: {
    summary: "enqueue a change into a pipeline (admin)",
    help: `Usage: gatebox enqueue --pipeline NAME --project NAME --change NUMBER [--url URL] [--token-env VAR]

Asks a running gatebox to enqueue the change's current patchset. Needs the admin token
(web.admin-token), read from the environment variable VAR (default GATEBOX_ADMIN_TOKEN).
`,
    load: () => import("./admin.ts").then((m) => m.adminModule("enqueue")),
  },
  dequeue: {
    summary: "remove a change from a pipeline (admin)",
    help: `Usage: gatebox dequeue --pipeline NAME --change NUMBER [--url URL] [--token-env VAR]

Asks a running gatebox to dequeue the change (its builds are cancelled; it is not reported).
Admin token from the environment variable VAR (default GATEBOX_ADMIN_TOKEN).
`,
    load: () => import("./admin.ts").then((m) => m.adminModule("dequeue")),
  },
  promote: {
    summary: "move a change to the head of its gate queue (admin)",
    help: `Usage: gatebox promote --pipeline NAME --change NUMBER [--url URL] [--token-env VAR]

Asks a running gatebox to move the change to the head of its queue (the items behind restart).
Admin token from the environment variable VAR (default GATEBOX_ADMIN_TOKEN).
`,
    load: () => import("./admin.ts").then((m) => m.adminModule("promote")),
  },
  reload: {
    summary: "make a running gatebox re-read its config file (admin)",
    help: `Usage: gatebox reload [--url URL] [--token-env VAR]

Asks a running gatebox to re-read its config file, as SIGHUP does (systemctl reload gatebox).
A valid file is applied without dropping queued items or running builds; items of a pipeline
that is gone leave it. An invalid one is refused with every problem, and the config in force
stays (exit 1). Admin token from the environment variable VAR (default GATEBOX_ADMIN_TOKEN).
`,
    load: () => import("./reload.ts"),
  },
  logs: {
    summary: "print a build's console; --follow streams it live",
    help: `Usage: gatebox logs BUILD [--follow] [--raw] [--url URL]

Prints build BUILD's console from a running gatebox. With --follow (-f), keeps streaming until
the build ends and exits 0 on SUCCESS, 1 otherwise. The same stream is on the plain TCP console
(web.console-listen): nc 127.0.0.1 7900, then type the build id.
Colours are kept; every other control sequence in the job's output (window titles, clipboard
writes, screen clears) is dropped, so a job cannot drive your terminal.

Options:
  --url URL   the gatebox web address (default: $GATEBOX_URL or http://127.0.0.1:8080)
  --raw       the output's bytes exactly as the job wrote them
`,
    load: () => import("./logs.ts"),
  },
  version: {
    summary: "print the version",
    help: "Usage: gatebox version\n",
    load: () => import("./version.ts"),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `gatebox: a self-hosted trunk gate for Gerrit (check, gate with NNFI, post)

Usage: gatebox COMMAND [OPTIONS]   (gatebox COMMAND --help for each)

Commands:
${lines.join("\n")}
`;
}
