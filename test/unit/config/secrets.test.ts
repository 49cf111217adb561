import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../../src/config/load.ts";
import { checkSecrets, resolveSecret, resolveSecrets } from "../../../src/config/secrets.ts";
import { InputError } from "../../../src/errors.ts";
import { accepted } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "gatebox-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Gerrit password on line 5, admin token on line 7. */
function config(password: string, token: string) {
  return accepted(`connections:
  gerrit:
    url: https://review.example.org
    user: ci
    password: ${password}
web:
  admin-token: ${token}
`);
}

describe("checkSecrets", () => {
  it("names every secret that cannot be read, with its place, at once", () => {
    const c = config("{env: GERRIT_PW}", "{env: ADMIN_TOKEN}");
    expect(checkSecrets(c, {})).toEqual([
      "gatebox.yaml:5: connections.gerrit.password: environment variable GERRIT_PW is not set",
      "gatebox.yaml:7: web.admin-token: environment variable ADMIN_TOKEN is not set",
    ]);
    // An empty variable is as good as unset: Gerrit would answer 401 far from the cause.
    expect(checkSecrets(c, { GERRIT_PW: "", ADMIN_TOKEN: "t" })).toEqual([
      "gatebox.yaml:5: connections.gerrit.password: environment variable GERRIT_PW is not set",
    ]);
    expect(checkSecrets(c, { GERRIT_PW: "pw", ADMIN_TOKEN: "t" })).toEqual([]);
  });

  it("reports a missing or empty secret file", () => {
    const empty = join(dir, "empty");
    writeFileSync(empty, "\n");
    const missing = join(dir, "missing");
    expect(checkSecrets(config(`{file: ${missing}}`, `{file: ${empty}}`), {})).toEqual([
      `gatebox.yaml:5: connections.gerrit.password: cannot read ${missing} (ENOENT)`,
      `gatebox.yaml:7: web.admin-token: ${empty} is empty`,
    ]);
  });

  it("has nothing to check when the config names no secret", () => {
    expect(checkSecrets(defaultConfig(), {})).toEqual([]);
  });
});

describe("resolveSecrets", () => {
  it("reads every secret, from the environment or a file", () => {
    const file = join(dir, "token");
    writeFileSync(file, "s3cret\n");
    const secrets = resolveSecrets(config("{env: GERRIT_PW}", `{file: ${file}}`), { GERRIT_PW: "hunter2" });
    expect(secrets.gerritPassword?.reveal()).toBe("hunter2");
    expect(secrets.adminToken?.reveal()).toBe("s3cret");
    expect(String(secrets.adminToken)).toBe("***");
    expect(resolveSecrets(defaultConfig(), {})).toEqual({ gerritPassword: null, adminToken: null, jobSecrets: new Map() });
  });

  it("refuses with one error listing every missing secret", () => {
    const error = (() => {
      try {
        resolveSecrets(config("{env: GERRIT_PW}", "{env: ADMIN_TOKEN}"), {});
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toHaveLength(2);
    expect((error as InputError).message).toContain("GERRIT_PW is not set\ngatebox.yaml:7: web.admin-token:");
  });

  it("resolveSecret names the config place when the reference carries one", () => {
    const c = config("{env: GERRIT_PW}", "{env: ADMIN_TOKEN}");
    expect(() => resolveSecret(c.gerrit!.password, "connections.gerrit.password", {})).toThrow(
      "gatebox.yaml:5: connections.gerrit.password: environment variable GERRIT_PW is not set",
    );
  });
});
