/** The static server the browser tests and benchmarks serve their pages with (tools/browser/server.ts). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mimeType, startStaticServer, type StaticServer } from '../../tools/browser/server.js';

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('startStaticServer', () => {
  let dir: string;
  let server: StaticServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'webgrad-server-'));
    mkdirSync(join(dir, 'site/sub'), { recursive: true });
    writeFileSync(join(dir, 'secret.txt'), 'outside the root');
    writeFileSync(join(dir, 'site/index.html'), '<!doctype html><p>home</p>');
    writeFileSync(join(dir, 'site/sub/index.html'), '<p>sub</p>');
    writeFileSync(join(dir, 'site/app.js'), 'export const x = 1;');
    writeFileSync(join(dir, 'site/kernel.wgsl'), '@compute @workgroup_size(1) fn main() {}');
    writeFileSync(join(dir, 'site/simd.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    writeFileSync(join(dir, 'site/a b.json'), '{"a":1}');
    server = await startStaticServer({ root: join(dir, 'site') });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 on an ephemeral port', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.localhostOrigin).toBe(`http://localhost:${server.port}`);
  });

  it('serves files with the right Content-Type (wasm and wgsl included) and no caching', async () => {
    const cases: [string, string, string | null][] = [
      ['/app.js', 'text/javascript; charset=utf-8', 'export const x = 1;'],
      ['/kernel.wgsl', 'text/wgsl; charset=utf-8', '@compute @workgroup_size(1) fn main() {}'],
      ['/simd.wasm', 'application/wasm', null],
      ['/a%20b.json', 'application/json; charset=utf-8', '{"a":1}'],
      ['/', 'text/html; charset=utf-8', '<!doctype html><p>home</p>'],
      ['/sub/', 'text/html; charset=utf-8', '<p>sub</p>'],
    ];
    for (const [path, type, body] of cases) {
      const res = await fetch(`${server.origin}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      if (body !== null) expect(await res.text(), path).toBe(body);
      else expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    }
    // A wasm module can be compiled straight from the response, which requires application/wasm.
    await expect(WebAssembly.compileStreaming(fetch(`${server.origin}/simd.wasm`))).resolves.toBeInstanceOf(WebAssembly.Module);
  });

  it('answers 404 for missing files, 405 for writes, and never serves outside the root', async () => {
    expect((await fetch(`${server.origin}/nope.js`)).status).toBe(404);
    expect((await fetch(`${server.origin}/app.js`, { method: 'POST', body: 'x' })).status).toBe(405);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const res = await rawGet(server.port, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain('outside the root');
    }
  });

  it('sends cross-origin isolation headers on request, runs custom handlers, and closes despite keep-alive', async () => {
    const isolated = await startStaticServer({
      root: join(dir, 'site'),
      crossOriginIsolated: true,
      handle: (req, res) => {
        if (req.url !== '/api/echo') return false;
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('echo');
        return true;
      },
    });
    const res = await fetch(`${isolated.origin}/app.js`);
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await (await fetch(`${isolated.origin}/api/echo`)).text()).toBe('echo');
    const t = performance.now();
    await isolated.close(); // fetch keeps its connection alive; close must not wait for its timeout
    await isolated.close(); // idempotent
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('maps extensions case-insensitively and unknown ones to octet-stream', () => {
    expect(mimeType('x/Y.WASM')).toBe('application/wasm');
    expect(mimeType('model.mjs')).toBe('text/javascript; charset=utf-8');
    expect(mimeType('weights.unknown')).toBe('application/octet-stream');
  });
});
