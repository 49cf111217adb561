/**
 * Splits Docker's multiplexed attach stream (TTY off) into stdout and stderr chunks. Each frame:
 * 1 byte stream (1 stdout, 2 stderr), 3 zero bytes, 4 bytes big-endian length, then the payload.
 * Frames may arrive split across or packed into network chunks; the parser holds only the part of
 * one frame header it has not completed, and forwards payload bytes as they arrive (a large frame
 * is not buffered whole), so memory stays bounded whatever the job prints.
 */
export type DemuxSink = (stream: "stdout" | "stderr", chunk: Uint8Array) => void;

export class DockerDemuxer {
  private header = new Uint8Array(8);
  private headerFill = 0;
  private remaining = 0;
  private stream: "stdout" | "stderr" = "stdout";

  constructor(private readonly sink: DemuxSink) {}

  push(data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, data.length - i);
        this.sink(this.stream, data.subarray(i, i + n));
        this.remaining -= n;
        i += n;
        continue;
      }
      const n = Math.min(8 - this.headerFill, data.length - i);
      this.header.set(data.subarray(i, i + n), this.headerFill);
      this.headerFill += n;
      i += n;
      if (this.headerFill === 8) {
        this.headerFill = 0;
        // Stream 0 is stdin (never sent to us); treat anything but 2 as stdout.
        this.stream = this.header[0] === 2 ? "stderr" : "stdout";
        const h = this.header;
        this.remaining = ((h[4]! << 24) >>> 0) + (h[5]! << 16) + (h[6]! << 8) + h[7]!;
      }
    }
  }

  /** True when the stream ended between frames (a cut mid-frame means the engine went away). */
  get atFrameBoundary(): boolean {
    return this.remaining === 0 && this.headerFill === 0;
  }
}
