/** Every error webgrad raises names the function (op), and the offending arguments and values. */
export class WebgradError extends Error {
  constructor(
    /** The public function or op that rejected its input, e.g. `matmul`. */
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = 'WebgradError';
  }
}

/** Shorthand for `throw new WebgradError(op, message)`, usable in expressions. */
export function fail(op: string, message: string): never {
  throw new WebgradError(op, message);
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
