#!/usr/bin/env bun
/**
 * Runs the Gerrit simulator by hand: `bun test/support/gerrit/standalone.ts --port 8081`.
 * Creates a project `org/project` with one open change so there is something to look at; prints the
 * URL and the CI account's credentials; stops on Ctrl-C or SIGTERM, removing its temp repos.
 */
import { GerritSimulator } from "./simulator.ts";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const portText = flag("--port") ?? "8081";
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`standalone: --port must be a port number, got '${portText}'\n`);
  process.exit(2);
}
const sim = await GerritSimulator.start({ port });
// Remove the temp repos on Ctrl-C or kill (registered before anything is printed).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void sim.stop().then(() => process.exit(0));
  });
}
await sim.createProject("org/project", { files: { "README.md": "hello\n" } });
const n = await sim.uploadChange("org/project", { files: { "a.txt": "a\n" }, message: "Add a.txt\n" });
process.stdout.write(
  [
    `Gerrit simulator at ${sim.url}`,
    `CI account: ${sim.ci.username} / ${sim.ci.password} (account ${sim.ci.accountId})`,
    "Humans: ann / ann-secret, bob / bob-secret, admin / admin-secret",
    `Project org/project, change ${n}: ${sim.url}/a/changes/org%2Fproject~${n}?o=CURRENT_REVISION`,
    `git: git -c http.extraHeader="Authorization: Basic $(printf ${sim.ci.username}:${sim.ci.password} | base64)" fetch ${sim.url}/a/org/project ${sim.change(n).patchsets[0]!.ref}`,
    "",
  ].join("\n"),
);
