/**
 * A secret value (the Gerrit HTTP password, the admin token, a job's secret). It never prints: String(), JSON and
 * inspection all show "***", so a config dumped to a log or served by the API cannot leak it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string, readonly source: string) {
    this.#value = value;
  }
  /** The real value: call only where it is sent (an Authorization header). */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "***";
  }
  toJSON(): string {
    return "***";
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Secret(${this.source})`;
  }
}
