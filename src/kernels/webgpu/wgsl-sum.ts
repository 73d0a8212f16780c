/**
 * A WGSL sum of many terms as a balanced tree of parenthesised groups: a flat chain of n terms is
 * an expression n deep, and WGSL compilers cap expression depth (Tint rejects a chain of 512).
 */
export function wgslSum(terms: readonly string[]): string {
  if (terms.length === 0) return '0.0';
  if (terms.length <= 16) return terms.join(' + ');
  const half = Math.ceil(terms.length / 2);
  return `(${wgslSum(terms.slice(0, half))}) + (${wgslSum(terms.slice(half))})`;
}
