/**
 * A loopback HTTP file server for download tests: Range support, and switches to misbehave
 * (drop the connection mid-body, ignore Range, redirect, fail).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServerBehaviour {
  /** For the first `drops` requests, close the socket after sending this many body bytes. */
  dropAfter?: number;
  drops?: number;
  /** Drop by destroying the socket (bytes in flight may be lost) instead of closing it. */
  reset?: boolean;
  /** Answer 200 with the whole file even when a Range is asked for. */
  ignoreRange?: boolean;
  /** Answer every request with this status (e.g. 404). */
  status?: number;
  /** Bytes per write; small writes give several progress events. */
  chunk?: number;
}

export interface TestServer {
  url: string;
  /** The Range header of each request to the file ('' when none). */
  ranges: string[];
  behaviour: ServerBehaviour;
  close(): Promise<void>;
}

export async function serveFile(body: Uint8Array, path = '/data/aclImdb_v1.tar.gz', behaviour: ServerBehaviour = {}): Promise<TestServer> {
  const ranges: string[] = [];
  let drops = 0;
  const state: TestServer = { url: '', ranges, behaviour, close: async () => {} };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/moved') {
      res.writeHead(302, { location: path });
      res.end();
      return;
    }
    if (req.url !== path) {
      res.writeHead(404).end('no such file');
      return;
    }
    const b = state.behaviour;
    ranges.push(String(req.headers.range ?? ''));
    if (b.status) {
      res.writeHead(b.status).end('nope');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (m && !b.ignoreRange) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'content-length': body.length - start });
    } else {
      res.writeHead(200, { 'content-length': body.length });
    }
    const drop = b.dropAfter !== undefined && drops < (b.drops ?? 1) ? b.dropAfter : Infinity;
    if (drop !== Infinity) drops++;
    const chunk = b.chunk ?? 8192;
    let at = start;
    let sent = 0;
    const pump = () => {
      if (sent >= drop) {
        // The dropped connection: a close after the bytes sent so far, or an abrupt reset.
        if (b.reset) res.socket?.destroy();
        else res.socket?.end();
        return;
      }
      if (at >= body.length) {
        res.end();
        return;
      }
      const n = Math.min(chunk, body.length - at, drop - sent);
      res.write(body.subarray(at, at + n), () => setImmediate(pump));
      at += n;
      sent += n;
    };
    pump();
  };
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}${path}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
