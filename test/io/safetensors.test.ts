import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';

const entries = () => [
  { name: 'embedding/embeddings', shape: [3, 2], data: Float32Array.from([0.1, -0.2, 3.5, -0, Number.MIN_VALUE, 1e30]) },
  { name: 'dense/bias', shape: [2], data: Float32Array.from([NaN, -Infinity]) },
  { name: 'ids', shape: [2, 1], data: Int32Array.from([7, -3]) },
  { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
];

function header(bytes: Uint8Array): { n: number; json: Record<string, unknown> } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) };
}

/** A file with a hand-written header (for malformed cases). */
function withHeader(h: unknown, data: Uint8Array, lengthOverride?: number): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips names, shapes, dtypes and exact bits, with the documented layout', () => {
    const bytes = encodeSafetensors(entries(), { format: 'webgrad' });
    const { n, json } = header(bytes);
    expect(n % 8).toBe(0); // header padded with spaces to 8 bytes
    expect(json.__metadata__).toEqual({ format: 'webgrad' });
    expect(json['dense/bias']).toEqual({ dtype: 'F32', shape: [2], data_offsets: [24, 32] });
    expect(json.ids).toEqual({ dtype: 'I32', shape: [2, 1], data_offsets: [32, 40] });
    expect(bytes.length).toBe(8 + n + 40);
    // Raw little-endian float32 right after the header.
    expect(new DataView(bytes.buffer).getFloat32(8 + n + 8, true)).toBeCloseTo(3.5);

    const back = decodeSafetensors(bytes, 'x.safetensors');
    expect([...back.tensors.keys()]).toEqual(['embedding/embeddings', 'dense/bias', 'ids', 'empty']);
    for (const e of entries()) {
      const t = back.tensors.get(e.name)!;
      expect(t.shape).toEqual(e.shape);
      expect(t.data.constructor).toBe(e.data.constructor);
      expect(new Uint8Array(t.data.buffer)).toEqual(new Uint8Array(e.data.buffer));
    }
    expect(back.metadata).toEqual({ format: 'webgrad' });
  });

  it('reads F64 tensors written by other tools', () => {
    const f64 = new Float64Array([1.5, -2.25]);
    const bytes = withHeader({ w: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(f64.buffer));
    expect(Array.from(decodeSafetensors(bytes).tensors.get('w')!.data)).toEqual([1.5, -2.25]);
  });

  const good = encodeSafetensors(entries());
  const { n } = header(good);
  const cases: [string, Uint8Array, RegExp][] = [
    ['an empty file', new Uint8Array(0), /0 bytes, too short.*truncated or empty/],
    ['a file cut inside the length prefix', good.subarray(0, 5), /5 bytes, too short/],
    ['a file cut inside the header', good.subarray(0, 8 + Math.floor(n / 2)), /header length prefix says \d+ bytes but only \d+ bytes follow it \(truncated\)/],
    ['a file cut inside the data', good.subarray(0, good.length - 3), /ends at byte \d+ of the data region, but the file holds only \d+ data bytes \(truncated\)/],
    ['trailing garbage', Uint8Array.from([...good, 1, 2, 3, 4]), /cover 40 data bytes but the file holds 44 \(trailing bytes\)/],
    ['a huge length prefix', (() => { const b = good.slice(); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(), /more than the \d+-byte limit/],
    ['a header that is not JSON', withHeader({}, new Uint8Array(0)).map((v, i) => (i === 9 ? 0x3a : v)), /not valid JSON/],
    ['a header that is not an object', withHeader([1, 2], new Uint8Array(0)), /does not start with '\{'/],
    ['an unknown dtype', withHeader({ w: { dtype: 'F99', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor 'w': unknown dtype "F99"/],
    ['offsets that disagree with the shape', withHeader({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /needs 8 bytes but data_offsets \[0, 4\] hold 4/],
    ['overlapping tensors', withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /overlaps/],
    ['a gap between tensors', withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /4 unaccounted bytes before tensor 'a'/],
    ['a bad shape', withHeader({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /shape must be a list of non-negative integers/],
    ['non-string metadata', withHeader({ __metadata__: { k: 1 } }, new Uint8Array(0)), /__metadata__.k must be a string/],
  ];
  it.each(cases)('refuses %s with a message naming the file', (_what, bytes, re) => {
    let err: unknown;
    try {
      decodeSafetensors(bytes, 'model.safetensors');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toMatch(/^model\.safetensors: /);
    expect((err as Error).message).toMatch(re);
  });

  it('refuses bad input to the encoder', () => {
    expect(() => encodeSafetensors([{ name: 'a', shape: [3], data: new Float32Array(2) }])).toThrow(/shape \[3\] but 2 values/);
    expect(() => encodeSafetensors([{ name: 'a', shape: [1], data: new Float32Array(1) }, { name: 'a', shape: [1], data: new Float32Array(1) }])).toThrow(/duplicate/);
  });
});
