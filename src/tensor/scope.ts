import { engine } from './engine.js';
import { Tensor } from './tensor.js';

/** Anything `tidy` can return: tensors nested in arrays and plain objects are kept. */
export type TensorContainer = Tensor | number | string | boolean | null | undefined | void | TensorContainer[] | { [key: string]: TensorContainer };

function collect(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into);
  }
}

/**
 * Runs `fn` and frees every tensor it created except those it returns (as in TF.js).
 *
 * @example
 * const y = wg.tidy(() => x.mul(2).add(1)); // the intermediate x*2 is freed
 */
export function tidy<T extends TensorContainer>(fn: () => T): T {
  engine.beginScope();
  let result: T | undefined;
  const kept = new Set<Tensor>();
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy: the function must be synchronous (it returned a Promise)');
    collect(result, kept);
  } finally {
    engine.endScope(kept);
  }
  return result;
}

/** Keeps a tensor created inside `tidy` alive after the scope ends. */
export function keep<T extends Tensor>(t: T): T {
  return engine.keep(t);
}

/** Disposes tensors nested anywhere in the argument. */
export function dispose(container: TensorContainer): void {
  const all = new Set<Tensor>();
  collect(container, all);
  for (const t of all) t.dispose();
}

/** Runs `fn` without recording gradients. */
export function noGrad<T>(fn: () => T): T {
  const prev = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    return fn();
  } finally {
    engine.gradEnabled = prev;
  }
}
