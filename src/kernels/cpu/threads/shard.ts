/**
 * Splits [0, n) into at most `parts` contiguous ranges whose starts are multiples of `multiple`
 * (a kernel's lockstep width), as even as that allows; never an empty range.
 */
export function shardRange(n: number, parts: number, multiple = 1): [number, number][] {
  const blocks = Math.ceil(n / multiple);
  const p = Math.max(1, Math.min(parts, blocks));
  const out: [number, number][] = [];
  for (let i = 0; i < p; i++) {
    const b0 = Math.floor((i * blocks) / p) * multiple;
    const b1 = Math.min(n, Math.floor(((i + 1) * blocks) / p) * multiple);
    if (b1 > b0) out.push([b0, b1]);
  }
  return out;
}

/** Whether every array lives in shared memory (a worker can then use it in place). */
export function allShared(arrays: readonly ArrayBufferView[]): boolean {
  return typeof SharedArrayBuffer === 'function' && arrays.every((a) => a.buffer instanceof SharedArrayBuffer);
}
