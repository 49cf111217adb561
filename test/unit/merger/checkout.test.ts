import { describe, expect, it } from "vitest";
import { publicUrl } from "../../../src/merger/checkout.ts";

describe("publicUrl", () => {
  it("drops a user name and password, keeps the rest", () => {
    expect(publicUrl("https://gatebox:s3cret@review.example.org/a/org/app")).toBe("https://review.example.org/a/org/app");
    expect(publicUrl("https://gatebox@review.example.org:8443/org/app")).toBe("https://review.example.org:8443/org/app");
    expect(publicUrl("ssh://ci@review.example.org:29418/org/app")).toBe("ssh://review.example.org:29418/org/app");
  });

  it("leaves URLs and paths without credentials alone", () => {
    expect(publicUrl("https://review.example.org/org/app")).toBe("https://review.example.org/org/app");
    expect(publicUrl("file:///srv/git/org/app.git")).toBe("file:///srv/git/org/app.git");
    expect(publicUrl("/srv/git/org/app.git")).toBe("/srv/git/org/app.git");
  });
});
