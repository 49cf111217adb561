import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DockerDemuxer } from "../../../src/executor/docker/demux.ts";

function frame(stream: 1 | 2, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
}

describe("DockerDemuxer", () => {
  it("splits frames however the network cuts them", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<1 | 2>(1, 2), fc.uint8Array({ minLength: 1, maxLength: 300 })), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (frames, cuts) => {
          const wire = Buffer.concat(frames.map(([s, p]) => frame(s, p)));
          const got: Array<[string, number[]]> = [];
          const d = new DockerDemuxer((s, c) => {
            const last = got.at(-1);
            if (last && last[0] === s) last[1].push(...c);
            else got.push([s, [...c]]);
          });
          let i = 0;
          let k = 0;
          while (i < wire.length) {
            const n = cuts[k++ % cuts.length]!;
            d.push(wire.subarray(i, i + n));
            i += n;
          }
          // Expected: consecutive frames of one stream merge, as the sink above merges them.
          const want: Array<[string, number[]]> = [];
          for (const [s, p] of frames) {
            const name = s === 2 ? "stderr" : "stdout";
            const last = want.at(-1);
            if (last && last[0] === name) last[1].push(...p);
            else want.push([name, [...p]]);
          }
          expect(got).toEqual(want);
          expect(d.atFrameBoundary).toBe(true);
        },
      ),
    );
  });

  it("knows when the stream was cut mid-frame", () => {
    const d = new DockerDemuxer(() => {});
    d.push(frame(1, new Uint8Array([1, 2, 3])).subarray(0, 9));
    expect(d.atFrameBoundary).toBe(false);
  });
});
