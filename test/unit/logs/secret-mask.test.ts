import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MASK, SecretMask } from "../../../src/logs/secret-mask.ts";

/** Pushes `chunks` through one stream and returns everything it let out, flush included. */
function streamed(mask: SecretMask, chunks: string[]): { out: string; steps: string[] } {
  const s = mask.stream();
  const steps = chunks.map((c) => s.push(c));
  steps.push(s.flush());
  return { out: steps.join(""), steps };
}

describe("SecretMask", () => {
  it("replaces every occurrence, the longer of two values starting at one place whole", () => {
    const m = new SecretMask(["s3cret", "s3cretive", ""]);
    expect(m.redact("a s3cret b s3cretive c s3cre")).toBe(`a ${MASK} b ${MASK} c s3cre`);
    expect(new SecretMask([]).redact("nothing")).toBe("nothing");
    expect(new SecretMask(["a.b"]).redact("axb a.b")).toBe(`axb ${MASK}`); // no regex meaning
  });

  it("hides a value split across chunks, holding back only what may begin one", () => {
    const m = new SecretMask(["s3cret"]);
    const { out, steps } = streamed(m, ["token is s3c", "ret\n", "done s", "\n"]);
    expect(out).toBe(`token is ${MASK}\ndone s\n`);
    expect(steps[0]).toBe("token is "); // "s3c" waits for the next chunk
    expect(steps[2]).toBe("done "); // "s" might begin it too
    expect(steps[3]).toBe("s\n"); // it did not
  });

  it("lets text that cannot begin a value through at once", () => {
    const s = new SecretMask(["s3cret"]).stream();
    expect(s.push("hello world\n")).toBe("hello world\n");
    expect(s.held).toBe("");
  });

  it("releases a held prefix at the end, and one value inside another's prefix", () => {
    expect(streamed(new SecretMask(["s3cret"]), ["x s3cr"]).out).toBe("x s3cr");
    // "ab" is a value and the beginning of "abcd": decided only when the stream says which.
    const m = new SecretMask(["ab", "abcd"]);
    expect(streamed(m, ["x ab", "cd y"]).out).toBe(`x ${MASK} y`);
    expect(streamed(m, ["x ab", "c"]).out).toBe(`x ${MASK}c`);
    expect(streamed(m, ["x ab"]).out).toBe(`x ${MASK}`);
  });

  it("streamed in any chunks, the output is the whole text redacted", () => {
    const alphabet = fc.constantFrom("a", "b", "c", "s", "3", "\n", "é");
    const word = fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((xs) => xs.join(""));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 3 }), fc.array(alphabet, { maxLength: 60 }), fc.array(fc.nat(60)), (values, chars, cuts) => {
        const text = chars.join("");
        const mask = new SecretMask(values);
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at, text.length].slice(1).map((end, i, ends) => text.slice(i === 0 ? 0 : ends[i - 1], end));
        const { out } = streamed(mask, chunks);
        expect(out).toBe(mask.redact(text));
        for (const v of values) expect(out.includes(v)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
