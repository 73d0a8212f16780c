import { expect } from 'vitest';

/** |a − b| ≤ atol + rtol·|b| elementwise; the failure message names the worst element. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { rtol = 1e-5, atol = 1e-7, what = 'values' } = {}): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (Number.isNaN(a) !== Number.isNaN(e) || excess > worstExcess || (Number.isNaN(excess) && !(Number.isNaN(a) && Number.isNaN(e)))) {
      if (worst < 0 || excess > worstExcess || Number.isNaN(a)) {
        worst = i;
        worstExcess = Number.isNaN(excess) ? Infinity : excess;
      }
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${actual[worst]} but expected ${expected[worst]} (rtol ${rtol}, atol ${atol}; ${countBad(actual, expected, rtol, atol)} of ${expected.length} elements off)`);
  }
}

function countBad(a: ArrayLike<number>, e: ArrayLike<number>, rtol: number, atol: number): number {
  let n = 0;
  for (let i = 0; i < e.length; i++) if (!(Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!))) n++;
  return n;
}
