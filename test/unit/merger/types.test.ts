import { describe, expect, it } from "vitest";
import { basicAuthEnv, redact } from "../../../src/merger/git.ts";
import { changeLabel, changeRefName } from "../../../src/merger/types.ts";

describe("change refs", () => {
  it("shards by the last two digits, zero-padded", () => {
    expect(changeRefName({ number: 5, patchset: 1 })).toBe("refs/changes/05/5/1");
    expect(changeRefName({ number: 12345, patchset: 3 })).toBe("refs/changes/45/12345/3");
    expect(changeRefName({ number: 1200, patchset: 2 })).toBe("refs/changes/00/1200/2");
    expect(changeRefName({ number: 1, patchset: 1, ref: "refs/changes/01/1/9" })).toBe("refs/changes/01/1/9");
    expect(changeLabel({ number: 1234, patchset: 2 })).toBe("1234,2");
  });
});

describe("credentials", () => {
  it("are redacted from URLs in messages", () => {
    expect(redact("fatal: unable to access 'https://ci:tok3n@review.example.org/a/p/': 401")).toBe(
      "fatal: unable to access 'https://***@review.example.org/a/p/': 401",
    );
    expect(redact("file:///srv/git/p.git")).toBe("file:///srv/git/p.git");
  });

  it("travel as an http.extraHeader in the environment, not in arguments, and never follow a redirect", () => {
    expect(basicAuthEnv("ci", "pw")).toEqual({
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from("ci:pw").toString("base64")}`,
      GIT_CONFIG_KEY_1: "http.followRedirects",
      GIT_CONFIG_VALUE_1: "false",
    });
  });
});
