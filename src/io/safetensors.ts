/**
 * The safetensors container, written by hand: an 8-byte little-endian header length N, N bytes of
 * JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {…}}`, padded
 * with spaces to a multiple of 8), then the tensors' raw little-endian bytes back to back.
 *
 * Pure functions over bytes (no Node modules), so browsers can read and write the same files.
 * Decoding checks everything a truncated or corrupted file can get wrong and says which part.
 */

/** Element types this module reads; webgrad writes F32 (weights) and I32. */
export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'F16' | 'BF16' | 'I64' | 'U8' | 'I8' | 'BOOL';

const BYTES: Record<SafetensorsDType, number> = { F32: 4, F64: 8, I32: 4, F16: 2, BF16: 2, I64: 8, U8: 1, I8: 1, BOOL: 1 };

/** A tensor to write: float32 or int32 values in row-major order. */
export interface SafetensorsEntry {
  name: string;
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

/** A tensor read back: F32 as Float32Array, I32 as Int32Array, F64 as Float64Array. */
export interface DecodedTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Int32Array | Float64Array;
}

export interface DecodedSafetensors {
  /** In file order (ascending data offset). */
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

/** Raised for files that are not well-formed safetensors; the message names the source. */
export class SafetensorsError extends Error {
  constructor(readonly source: string, detail: string) {
    super(`${source}: ${detail}`);
    this.name = 'SafetensorsError';
  }
}

/** Refuse headers beyond this (the reference implementation uses 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Encodes tensors (in the order given) and string metadata as one safetensors file.
 *
 * @example
 * const bytes = encodeSafetensors([{ name: 'dense/kernel', shape: [4, 1], data: new Float32Array(4) }], { format: 'webgrad' });
 */
export function encodeSafetensors(entries: readonly SafetensorsEntry[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new TypeError(`encodeSafetensors: metadata value of '${k}' must be a string`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const e of entries) {
    if (e.name === '__metadata__' || e.name in header) throw new RangeError(`encodeSafetensors: duplicate or reserved tensor name '${e.name}'`);
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new RangeError(`encodeSafetensors: '${e.name}' has an invalid shape [${e.shape.join(', ')}]`);
    if (numel(e.shape) !== e.data.length) throw new RangeError(`encodeSafetensors: '${e.name}' has shape [${e.shape.join(', ')}] but ${e.data.length} values`);
    const dtype = e.data instanceof Float32Array ? 'F32' : 'I32';
    const bytes = e.data.length * 4;
    header[e.name] = { dtype, shape: [...e.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  const padded = Math.ceil(jsonBytes.length / 8) * 8;
  json += ' '.repeat(padded - jsonBytes.length);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const e of entries) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), at);
    } else {
      const isFloat = e.data instanceof Float32Array;
      for (let i = 0; i < e.data.length; i++) {
        if (isFloat) view.setFloat32(at + 4 * i, e.data[i]!, true);
        else view.setInt32(at + 4 * i, e.data[i]!, true);
      }
    }
    at += e.data.byteLength;
  }
  return out;
}

/**
 * Decodes and validates a safetensors file. `source` (a file name) prefixes every error.
 * Checked: the length prefix against the file size, the header's JSON and its fields, each
 * tensor's byte range against its dtype × shape, and that the tensors tile the data region
 * exactly (no gaps, no overlaps, nothing missing at the end: the signature of a truncated file).
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): DecodedSafetensors {
  const err = (detail: string): never => {
    throw new SafetensorsError(source, detail);
  };
  if (bytes.length < 8) err(`the file is ${bytes.length} bytes, too short for the 8-byte header length (truncated or empty)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) err(`the header length prefix says ${n64} bytes, more than the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or corrupted)`);
  const n = Number(n64);
  if (n < 2) err(`the header length prefix says ${n} bytes, too short for a JSON header (corrupted)`);
  if (8 + n > bytes.length) err(`the header length prefix says ${n} bytes but only ${bytes.length - 8} bytes follow it (truncated)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return err('the header is not valid UTF-8 (corrupted)');
  }
  if (!text.startsWith('{')) err(`the header does not start with '{' (not a safetensors file, or corrupted)`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return err(`the header is not valid JSON (${(e as Error).message}; corrupted)`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return err('the header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const found: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) err('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') err(`__metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) err(`tensor '${name}': entry must be an object`);
    const dtype = info.dtype as SafetensorsDType;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) err(`tensor '${name}': unknown dtype ${JSON.stringify(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) err(`tensor '${name}': shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) err(`tensor '${name}': data_offsets must be [begin, end], got ${JSON.stringify(off)}`);
    const [begin, end] = off as [number, number];
    const want = numel(shape as number[]) * BYTES[dtype];
    if (end < begin) err(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
    if (end - begin !== want) err(`tensor '${name}': ${dtype} [${(shape as number[]).join(', ')}] needs ${want} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    if (end > dataLen) err(`tensor '${name}' ends at byte ${end} of the data region, but the file holds only ${dataLen} data bytes (truncated)`);
    found.push({ name, dtype, shape: shape as number[], begin, end });
  }
  found.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of found) {
    if (t.begin < cursor) err(`tensor '${t.name}' overlaps the previous tensor (data_offsets begin at ${t.begin}, previous ends at ${cursor})`);
    if (t.begin > cursor) err(`there are ${t.begin - cursor} unaccounted bytes before tensor '${t.name}' (corrupted header)`);
    cursor = t.end;
  }
  if (cursor !== dataLen) err(`the tensors cover ${cursor} data bytes but the file holds ${dataLen} (${dataLen > cursor ? 'trailing bytes' : 'truncated'})`);

  const tensors = new Map<string, DecodedTensor>();
  for (const t of found) {
    const count = numel(t.shape);
    const at = dataStart + t.begin;
    let data: Float32Array | Int32Array | Float64Array;
    if (t.dtype === 'F32' || t.dtype === 'I32') {
      const out = t.dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
      if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(at, at + count * 4));
      else for (let i = 0; i < count; i++) out[i] = t.dtype === 'F32' ? view.getFloat32(at + 4 * i, true) : view.getInt32(at + 4 * i, true);
      data = out;
    } else if (t.dtype === 'F64') {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, true);
      data = out;
    } else {
      return err(`tensor '${t.name}': dtype ${t.dtype} is valid safetensors but webgrad reads only F32, F64 and I32`);
    }
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data });
  }
  return { tensors, metadata };
}
