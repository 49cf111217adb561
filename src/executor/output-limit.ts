import type { RunOutput } from "./runner.ts";

/**
 * A RunOutput that passes at most `limit` bytes of the job's output (stdout and stderr together)
 * on to `target`, and reports the first byte past it through `exceeded`, so the caller stops the
 * build. Everything after the limit is dropped, so the console stays near the limit whatever the
 * job prints while it is being killed. Info lines are not counted: they are gatebox's own.
 */
export class LimitedOutput implements RunOutput {
  private count = 0;
  private over = false;
  private reportOver: () => void = () => {};
  /** Resolves once the job wrote more than `limit` bytes; stays pending otherwise. */
  readonly exceeded: Promise<"output-limit"> = new Promise((resolve) => {
    this.reportOver = () => resolve("output-limit");
  });

  constructor(
    private readonly target: RunOutput,
    readonly limit: number,
  ) {}

  /** Bytes of output seen, dropped ones included. */
  get bytes(): number {
    return this.count;
  }

  get isExceeded(): boolean {
    return this.over;
  }

  stdout(chunk: Uint8Array): void {
    const part = this.take(chunk);
    if (part) this.target.stdout(part);
  }

  stderr(chunk: Uint8Array): void {
    const part = this.take(chunk);
    if (part) this.target.stderr(part);
  }

  info(line: string): void {
    this.target.info(line);
  }

  /** The part of `chunk` still under the limit (null for none); notes the limit being passed. */
  private take(chunk: Uint8Array): Uint8Array | null {
    const room = this.limit - this.count;
    this.count += chunk.length;
    if (chunk.length <= room) return chunk.length > 0 ? chunk : null;
    if (!this.over) {
      this.over = true;
      this.reportOver();
    }
    return room > 0 ? chunk.subarray(0, room) : null;
  }
}
