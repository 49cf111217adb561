/**
 * Environment variable names in gatebox.yaml: a job's `env:` keys and the names of `secrets:`.
 * Gatebox sets `CI`, `GATEBOX` and every `GATEBOX_*` variable in each build (docs/jobs.md), so
 * neither may take one of them: a job could otherwise point `GATEBOX_SRC_DIR` elsewhere or pass
 * a secret off as gatebox's own variable.
 */

const VALID = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot be a job's variable, or null when it can. */
export function envNameProblem(name: string): string | null {
  if (!VALID.test(name)) return "is not a valid environment variable name";
  if (name === "CI" || name === "GATEBOX" || name.startsWith("GATEBOX_")) {
    return "is gatebox's own variable (CI, GATEBOX and GATEBOX_* are set in every build; docs/jobs.md)";
  }
  return null;
}
