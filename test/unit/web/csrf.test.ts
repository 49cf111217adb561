import { describe, expect, it } from "vitest";
import { crossSiteReason, csrfMatches } from "../../../src/web/csrf.ts";

describe("csrfMatches", () => {
  it("matches the token only", () => {
    expect(csrfMatches("abc123", "abc123")).toBe(true);
    for (const given of [undefined, null, "", "abc12", "abc1234", "ABC123"]) expect(csrfMatches("abc123", given)).toBe(false);
    expect(csrfMatches("", "")).toBe(false);
  });
});

describe("crossSiteReason", () => {
  const url = "http://127.0.0.1:8080/api/dequeue";

  it("lets a same-origin request through", () => {
    expect(crossSiteReason({ url, secFetchSite: "same-origin", origin: "http://127.0.0.1:8080" })).toBeNull();
    expect(crossSiteReason({ url, origin: "http://127.0.0.1:8080" })).toBeNull();
    expect(crossSiteReason({ url, secFetchSite: "same-origin" })).toBeNull();
    // The pages' Referrer-Policy: no-referrer makes the browser send Origin: null on their own POSTs.
    expect(crossSiteReason({ url, secFetchSite: "same-origin", origin: "null" })).toBeNull();
  });

  it("takes web.url's origin as gatebox's own (a proxy that ends TLS)", () => {
    expect(crossSiteReason({ url: "http://gate.example.com/api/dequeue", origin: "https://gate.example.com", webUrl: "https://gate.example.com/" })).toBeNull();
    expect(crossSiteReason({ url: "http://gate.example.com/api/dequeue", origin: "https://gate.example.com" })).toContain("another origin");
  });

  it.each([
    ["another site", { secFetchSite: "cross-site", origin: "http://127.0.0.1:8080" }, "Sec-Fetch-Site: cross-site"],
    ["the same site on another port", { secFetchSite: "same-site" }, "Sec-Fetch-Site: same-site"],
    ["another port by Origin", { origin: "http://127.0.0.1:9999" }, "Origin: http://127.0.0.1:9999"],
    ["another scheme", { origin: "https://127.0.0.1:8080" }, "another origin"],
    ["an opaque origin without Sec-Fetch-Site", { origin: "null" }, "does not show where it comes from"],
    ["a same-origin Sec-Fetch-Site with a foreign Origin", { secFetchSite: "same-origin", origin: "http://evil.test" }, "evil.test"],
    ["neither header", {}, "does not show where it comes from"],
  ])("refuses %s", (_, headers, reason) => {
    expect(crossSiteReason({ url, ...headers })).toContain(reason);
  });
});
