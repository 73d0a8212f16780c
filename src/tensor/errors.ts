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

/**
 * Edit distance (insertions, deletions, substitutions; an adjacent swap counts once): "trian" →
 * "train" is 1.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `word`, if one is close enough to be a likely typo: the same name in
 * another case or in snake_case (`learning_rate` → `learningRate`), or within an edit distance
 * of about a third of its length.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.replace(/[_-]/g, '').toLowerCase();
  const same = candidates.find((c) => norm(c) === norm(word));
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(norm(word), norm(c));
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return bestD <= Math.max(1, Math.floor(Math.max(word.length, 3) / 3)) ? best : undefined;
}

/**
 * Rejects an options object with a key `fn` does not know (a typo would otherwise be silently
 * ignored), suggesting the closest known key. Keys whose value is `undefined` are ignored, so
 * spreading optional settings stays harmless.
 *
 * @example
 * checkOptions('fit', { epoch: 3 }, ['epochs', 'batchSize']);
 * // WebgradError: fit: unknown option 'epoch' (= 3) in options; did you mean 'epochs'? Known options: epochs, batchSize
 */
export function checkOptions(fn: string, options: unknown, known: readonly string[], what = 'options'): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) fail(fn, `${what} must be an object, got ${Array.isArray(options) ? 'an array' : `${typeof options} ${String(options).slice(0, 40)}`}`);
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined || known.includes(key)) continue;
    const guess = didYouMean(key, known);
    let shown: string;
    try {
      shown = typeof value === 'function' ? 'a function' : JSON.stringify(value)?.slice(0, 40) ?? String(value);
    } catch {
      shown = String(value).slice(0, 40);
    }
    fail(fn, `unknown option '${key}' (= ${shown}) in ${what}${guess ? `; did you mean '${guess}'?` : '.'} Known options: ${known.join(', ')}`);
  }
}
