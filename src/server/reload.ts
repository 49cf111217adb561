import { loadConfigFile } from "../config/load.ts";
import type { GateboxConfig, SecretRef } from "../config/model.ts";
import type { Secret } from "../config/secret.ts";
import { resolveSecrets } from "../config/secrets.ts";
import type { StrandedItem } from "../driver/reload.ts";
import { InputError } from "../errors.ts";
import type { ReloadAnswer } from "../web/api/reload-route.ts";

export interface ReloadDeps {
  /** The config in force. */
  current(): GateboxConfig;
  /** Applies a valid config (the gate's part; nothing without a gate); resolves with the items that left. */
  apply(next: GateboxConfig, jobSecrets: ReadonlyMap<string, Secret>): Promise<StrandedItem[]>;
  /** Told of every reload: applied, or refused. */
  counted?(result: "applied" | "refused"): void;
  log(line: string): void;
}

/**
 * `gatebox reload`, POST /api/reload and SIGHUP: reads the config file again. A file that does not
 * validate (or names a secret that cannot be read) is refused with every problem, logged, and the
 * config in force stays. A valid one is applied without dropping queued items or running builds:
 * pipelines, jobs, projects, timers, retention and executors take effect now (new jobs apply to
 * new buildsets; items the config has no place for leave; a removed or changed executor drains:
 * its builds finish, no new one goes to it). The Gerrit connection, the web listener and token
 * and the data directory are read only at start: a change to them is named in the answer and
 * applies at the next restart. Reloads run one at a time.
 */
export function configReloader(deps: ReloadDeps): () => Promise<ReloadAnswer> {
  let last: Promise<unknown> = Promise.resolve();
  return () => {
    const run = last.then(
      () => reloadOnce(deps),
      () => reloadOnce(deps),
    );
    last = run.catch(() => undefined);
    return run;
  };
}

async function reloadOnce(deps: ReloadDeps): Promise<ReloadAnswer> {
  const current = deps.current();
  const file = current.file;
  if (file === null) throw new InputError("gatebox runs without a config file (gatebox serve --config FILE): there is nothing to reload");
  const refuse = (err: InputError) => {
    deps.counted?.("refused");
    deps.log(`gatebox: the config was not reloaded (the one in force stays): ${err.problems.length} problem(s) in ${file}:`);
    for (const p of err.problems) deps.log(`gatebox:   ${p}`);
    return err;
  };
  let next: GateboxConfig;
  let jobSecrets: ReadonlyMap<string, Secret>;
  try {
    next = loadConfigFile(file);
    jobSecrets = resolveSecrets(next).jobSecrets;
  } catch (err) {
    throw err instanceof InputError ? refuse(err) : err;
  }
  // Where the data lives is the process's (serve --data may have moved it): it never changes on the fly.
  next.dataDir = current.dataDir;
  next.workspaceDir = current.workspaceDir;
  const restartNeeded = atRestart(current, next);
  let stranded: StrandedItem[];
  try {
    stranded = await deps.apply(next, jobSecrets);
  } catch (err) {
    // The scheduler refused the layout (the checks should have): nothing changed.
    throw refuse(new InputError(`${file}: cannot apply it: ${(err as Error).message}`));
  }
  deps.counted?.("applied");
  const what = `${next.pipelines.length} pipeline(s), ${next.projects.length} project(s), ${next.jobs.size} job(s)`;
  deps.log(`gatebox: config reloaded from ${file}: ${what}${stranded.length ? `; ${stranded.length} item(s) dequeued` : ""}`);
  for (const r of restartNeeded) deps.log(`gatebox: reload: ${r}`);
  return {
    ok: true,
    file,
    dequeued: stranded.map((s) => ({ pipeline: s.pipeline, change: s.changeId, project: s.project, why: s.why })),
    restartNeeded,
  };
}

/** What differs in the parts read only at start. */
export function atRestart(current: GateboxConfig, next: GateboxConfig): string[] {
  const out: string[] = [];
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  const g = (c: GateboxConfig) => (c.gerrit ? { ...c.gerrit, password: ref(c.gerrit.password) } : null);
  const w = (c: GateboxConfig) => ({ ...c.web, adminToken: c.web.adminToken ? ref(c.web.adminToken) : null });
  if (differs(g(current), g(next))) out.push("connections.gerrit changed: it applies at the next restart");
  if (differs(w(current), w(next))) out.push("web changed: it applies at the next restart");
  if (current.projects.length === 0 && next.projects.length > 0 && current.gerrit) out.push("projects: polling Gerrit for them starts at the next restart");
  return out;
}

/** A secret reference without where the file names it (a line moving is not a change). */
function ref(r: SecretRef): SecretRef {
  return { ...(r.env !== undefined ? { env: r.env } : {}), ...(r.file !== undefined ? { file: r.file } : {}) };
}
