/** Tiny, deterministic SVG string building. */

/** Attribute values; undefined/null/false attributes are omitted. */
export type Attrs = Record<string, string | number | undefined | null | false>;

/** Escapes text and attribute values for XML. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A coordinate or length as text: at most 2 decimals, no trailing zeros, no "-0", clamped to ±1e6. */
export function num(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const c = Math.max(-1e6, Math.min(1e6, n));
  const s = (Math.round(c * 100) / 100).toFixed(2).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** One element. Children are already-serialised strings; without children it self-closes. */
export function el(tag: string, attrs: Attrs = {}, ...children: string[]): string {
  let a = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    a += ` ${k}="${esc(typeof v === 'number' ? num(v) : v)}"`;
  }
  const body = children.join('');
  return body ? `<${tag}${a}>${body}</${tag}>` : `<${tag}${a}/>`;
}

/** A text element with escaped content. */
export function text(content: string, attrs: Attrs = {}): string {
  return `<text${Object.entries(attrs)
    .filter(([, v]) => v !== undefined && v !== null && v !== false)
    .map(([k, v]) => ` ${k}="${esc(typeof v === 'number' ? num(v) : String(v))}"`)
    .join('')}>${esc(content)}</text>`;
}

/** FNV-1a hash as base-36 text, for deterministic element ids. */
export function hashId(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** Font stack used by every chart. */
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/** Tableau 10: distinct, colour-blind-tolerant series colours. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Rough rendered width of a string in the chart font (average glyph ≈ 0.56 em; digits 0.56 em). */
export function textWidth(s: string, fontSize: number): number {
  let w = 0;
  for (const ch of s) {
    if ('il.,:;|!\'1'.includes(ch)) w += 0.3;
    else if ('mwMW@'.includes(ch)) w += 0.85;
    else if (ch >= 'A' && ch <= 'Z') w += 0.66;
    else if (ch === ' ') w += 0.3;
    else w += 0.56;
  }
  return w * fontSize;
}

/** The root <svg> with a white background and an accessible title. */
export function svgRoot(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" `
    + `font-family="${esc(FONT)}" role="img" aria-label="${esc(title)}">`
    + `<title>${esc(title)}</title>`
    + el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' })
    + body
    + '</svg>\n';
}
