/**
 * JSON the way Python's `json.dumps` writes it, and an order-preserving reader for flat objects.
 *
 * Why: Keras's `tokenizer.to_json()` nests five `json.dumps` strings (word_counts, word_index...)
 * whose key ORDER carries meaning (word_counts order decides frequency ties). `JSON.parse` would
 * silently move integer-like keys ("10", "1990") to the front, and `JSON.stringify` neither uses
 * Python's ", " / ": " separators nor escapes non-ASCII, so files would differ byte-wise.
 */

/** A JSON scalar as Python's json module reads and writes it. */
export type JsonScalar = string | number | boolean | null;

// Everything json.dumps(ensure_ascii=True) does not emit verbatim: '"', '\', and all code
// units outside printable ASCII (UTF-16 units, so astral characters become surrogate pairs,
// exactly like Python).
const ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
const escapeChar = (ch: string): string => SHORT[ch] ?? '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');

/** `json.dumps(s)` for a str: ASCII-only output, \uXXXX (lowercase hex) for everything else. */
export function pyJsonString(s: string): string {
  return '"' + s.replace(ESCAPE, escapeChar) + '"';
}

/** `json.dumps` of an int, bool, None or str. */
export function pyJsonScalar(v: JsonScalar): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TypeError(`pyJsonScalar: only integers are supported, got ${v}`);
    return String(v);
  }
  return pyJsonString(v);
}

/** `json.dumps(dict)` for a flat dict given as ordered entries (keys already strings). */
export function pyJsonObject(entries: Iterable<readonly [string | number, JsonScalar]>): string {
  const parts: string[] = [];
  for (const [k, v] of entries) parts.push(pyJsonString(String(k)) + ': ' + pyJsonScalar(v));
  return '{' + parts.join(', ') + '}';
}

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Parses a JSON object whose values are scalars, keeping its key order (and duplicate keys, in
 * order, as Python would then keep the last). `what` names the field in error messages.
 */
export function parseFlatJsonObject(text: string, what: string): Array<[string, JsonScalar]> {
  const n = text.length;
  let i = 0;
  const fail = (msg: string): never => {
    throw new SyntaxError(`${what}: ${msg} at character ${i}`);
  };
  const skipWs = (): void => {
    while (i < n && isWs(text.charCodeAt(i))) i++;
  };
  // Returns the index just past the closing quote of the string starting at i.
  const scanString = (): number => {
    let k = i + 1;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c === 0x5c) k += 2;
      else if (c === 0x22) return k + 1;
      else k++;
    }
    return fail('unterminated string');
  };
  const readString = (): string => {
    const end = scanString();
    const raw = text.slice(i, end);
    i = end;
    return raw.indexOf('\\') < 0 ? raw.slice(1, -1) : (JSON.parse(raw) as string);
  };
  const out: Array<[string, JsonScalar]> = [];
  skipWs();
  if (text[i] !== '{') fail('expected "{"');
  i++;
  skipWs();
  if (text[i] === '}') {
    i++;
  } else {
    for (;;) {
      skipWs();
      if (text[i] !== '"') fail('expected a string key');
      const key = readString();
      skipWs();
      if (text[i] !== ':') fail('expected ":"');
      i++;
      skipWs();
      let value: JsonScalar;
      if (text[i] === '"') {
        value = readString();
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '}' && !isWs(text.charCodeAt(i))) i++;
        const raw = text.slice(start, i);
        if (raw === '' || raw[0] === '{' || raw[0] === '[') fail('expected a scalar value');
        try {
          value = JSON.parse(raw) as JsonScalar;
        } catch {
          return fail(`bad value ${JSON.stringify(raw)}`);
        }
      }
      out.push([key, value]);
      skipWs();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        break;
      }
      fail('expected "," or "}"');
    }
  }
  skipWs();
  if (i !== n) fail('unexpected trailing characters');
  return out;
}
