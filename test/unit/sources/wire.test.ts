import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GerritClient } from "../../../src/sources/gerrit/client.ts";
import { GerritRedirectError, GerritResponseTooLargeError } from "../../../src/sources/gerrit/errors.ts";
import { describeSkipped, parseChangeRecord } from "../../../src/sources/gerrit/translate.ts";
import { readCapped } from "../../../src/sources/gerrit/wire.ts";

const recorded = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/change-info.json"), "utf8")) as Record<string, unknown>;

/** A body of `chunks` chunks of `size` bytes that counts how many were pulled. */
function countedBody(chunks: number, size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (pulled >= chunks) return c.close();
        pulled++;
        c.enqueue(new Uint8Array(size).fill(0x20));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

function fakeClient(answer: (url: string, init: RequestInit) => Response, seen: { url: string; init: RequestInit }[] = []) {
  return new GerritClient({
    url: "https://review.example.org/",
    username: "gatebox",
    password: "s3cret",
    retries: 2,
    sleep: async () => undefined,
    maxResponseBytes: 1000,
    fetch: async (url, init) => {
      seen.push({ url, init });
      return answer(url, init);
    },
  });
}

describe("one change record at a time", () => {
  it("reads a good record, and says what is wrong with a bad one and which change it is", () => {
    expect(parseChangeRecord(recorded, 1)).toMatchObject({ change: { number: 1234, status: "NEW" } });
    expect(parseChangeRecord({ ...recorded, status: "DRAFT" }, 3)).toEqual({
      skipped: { number: 1234, position: 3, problem: expect.stringMatching(/^status: .*\(got "DRAFT"\)$/) },
    });
    const { _number: _, ...numberless } = recorded;
    const skipped = parseChangeRecord(numberless, 7);
    expect(skipped).toEqual({ skipped: { id: "org%2Fproject~1234", position: 7, problem: expect.stringMatching(/^_number: /) } });
    expect(describeSkipped((skipped as { skipped: Parameters<typeof describeSkipped>[0] }).skipped, "the poll query")).toMatch(
      /^the record at position 7 of the poll query \(id "org%2Fproject~1234"\), without a readable _number \(_number: /,
    );
    const wrongType = parseChangeRecord({ ...recorded, owner: "ann" }, 1);
    expect(describeSkipped((wrongType as { skipped: Parameters<typeof describeSkipped>[0] }).skipped)).toMatch(/^change 1234 \(owner: .*\(got "ann"\)\)$/);
    expect(parseChangeRecord(42, 2)).toEqual({ skipped: { position: 2, problem: expect.stringMatching(/^\(root\): /) } });
  });
});

describe("reading an answer with a size cap", () => {
  it("reads up to the cap exactly, refuses one byte more, and stops pulling when it does", async () => {
    const ok = countedBody(10, 100);
    expect(await readCapped(new Response(ok.stream), 1000, () => new Error("too large"))).toHaveLength(1000);
    const big = countedBody(1000, 100);
    await expect(readCapped(new Response(big.stream), 999, () => new Error("too large"))).rejects.toThrow("too large");
    expect(big.pulled()).toBe(10);
  });

  it("a declared Content-Length over the cap is refused before reading any of the body", async () => {
    const body = countedBody(1000, 100);
    const client = fakeClient(() => new Response(body.stream, { headers: { "Content-Length": "100000" } }));
    const err = await client.self().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritResponseTooLargeError);
    expect((err as Error).message).toBe(
      "Gerrit's answer to GET /accounts/self is larger than the 1000 bytes limit (maxResponseBytes); gatebox stopped reading it",
    );
    expect(body.pulled()).toBe(0);
  });
});

describe("redirects", () => {
  it("asks fetch not to follow them, and refuses one with where it pointed (credentials removed), without retrying", async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const client = fakeClient(() => new Response(null, { status: 301, headers: { Location: "https://u:p@mirror.example.net/a/accounts/self" } }), seen);
    const err = await client.self().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GerritRedirectError);
    expect((err as GerritRedirectError).location).toBe("https://mirror.example.net/a/accounts/self");
    expect((err as Error).message).toContain("301");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.init.redirect).toBe("manual");
    expect(seen[0]!.url).toBe("https://review.example.org/a/accounts/self");
  });

  it("resolves a relative Location against the request", async () => {
    const client = fakeClient(() => new Response(null, { status: 307, headers: { Location: "/login/" } }));
    const err = (await client.self().catch((e: unknown) => e)) as GerritRedirectError;
    expect(err.location).toBe("https://review.example.org/login/");
    const none = fakeClient(() => new Response(null, { status: 302 }));
    expect(((await none.self().catch((e: unknown) => e)) as Error).message).toContain("a redirect without a Location");
  });
});
