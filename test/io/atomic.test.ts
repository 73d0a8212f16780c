import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTempName, writeFileAtomic, writeJsonAtomic } from '../../src/io/atomic.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'webgrad-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Chunks that fail after some bytes were already written to the temporary file. */
async function* failing(): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(1000).fill(65);
  yield new Uint8Array(1000).fill(66);
  throw new Error('writer crashed');
}

describe('writeFileAtomic', () => {
  it('writes bytes, text and chunk streams, leaving no temporary files', async () => {
    await writeFileAtomic(join(dir, 'a.bin'), Uint8Array.from([1, 2, 3]));
    await writeFileAtomic(join(dir, 'b.txt'), 'hello');
    await writeFileAtomic(join(dir, 'c.txt'), ['x', new TextEncoder().encode('y'), 'z']);
    await writeJsonAtomic(join(dir, 'd.json'), { k: [1, 2] });
    expect([...readFileSync(join(dir, 'a.bin'))]).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('hello');
    expect(readFileSync(join(dir, 'c.txt'), 'utf8')).toBe('xyz');
    expect(JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8'))).toEqual({ k: [1, 2] });
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'b.txt', 'c.txt', 'd.json']);
  });

  it('leaves no partial file when the writer throws (new file)', async () => {
    await expect(writeFileAtomic(join(dir, 'model.safetensors'), failing())).rejects.toThrow('writer crashed');
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the old content when the writer throws (existing file)', async () => {
    writeFileSync(join(dir, 'model.json'), '{"old": true}');
    await expect(writeFileAtomic(join(dir, 'model.json'), failing())).rejects.toThrow('writer crashed');
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe('{"old": true}');
    expect(readdirSync(dir)).toEqual(['model.json']);
  });

  it('cleans up when the rename fails (target is a folder)', async () => {
    const target = join(dir, 'taken');
    await import('node:fs').then((fs) => fs.mkdirSync(join(target, 'inner'), { recursive: true }));
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('replaces a file in one step: a reader sees the old or the new content, never a mix', async () => {
    const path = join(dir, 'f.txt');
    writeFileSync(path, 'A'.repeat(100_000));
    const seen = new Set<string>();
    const writes = Array.from({ length: 5 }, (_, i) => writeFileAtomic(path, String.fromCharCode(66 + i).repeat(100_000)));
    for (let k = 0; k < 50; k++) {
      const s = readFileSync(path, 'utf8');
      seen.add(`${s.length}:${new Set(s).size}`);
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(writes);
    expect([...seen].every((x) => x === '100000:1')).toBe(true);
    expect(readdirSync(dir).filter(isTempName)).toEqual([]);
  });
});
