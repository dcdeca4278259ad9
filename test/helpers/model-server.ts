/**
 * A real HTTP server on 127.0.0.1 for download tests: serves files (Buffers or paths) with Range (206 +
 * Content-Range, 416 out of range), If-Range and ETag, and per-path misbehaviours — drop the connection after N
 * bytes, stall after the headers, answer an HTTP error, redirect, send wrong or extra bytes, throttle. It records
 * every request (path, Range, If-Range) and counts the body bytes it sent.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface Behaviour {
  /** Destroy the socket after this many body bytes, on the first `dropTimes` requests (default 1). */
  readonly dropAfter?: number;
  readonly dropTimes?: number;
  /** Send the headers, then nothing (every request, or only the first `stallTimes`). */
  readonly stall?: boolean;
  readonly stallTimes?: number;
  /** Answer with this status and no body (404, 500…), on every request or only the first `statusTimes`. */
  readonly status?: number;
  readonly statusTimes?: number;
  /** 302 to this path (or URL). */
  readonly redirect?: string;
  /** Serve these bytes instead of the file's (wrong bytes, more bytes), with their own length. */
  readonly body?: Buffer;
  /** No Content-Length: the body is sent chunked. */
  readonly noLength?: boolean;
  /** Ignore Range requests (always 200 with the whole file). */
  readonly noRanges?: boolean;
  /** The body waits for this (the headers are sent at once): holds a download open until the test says. */
  readonly gate?: Promise<void>;
  /** Send `chunk` bytes every `everyMs` ms (to see progress and abort midway). */
  readonly throttle?: { readonly chunk: number; readonly everyMs: number };
}

export interface ServedRequest {
  readonly path: string;
  readonly range?: string;
  readonly ifRange?: string;
  readonly userAgent?: string;
  /** Body bytes written for this request. */
  bytes: number;
}

export interface ModelServer {
  /** http://127.0.0.1:<port><path> */
  url(path: string): string;
  /** Serves `content` (bytes or a file path) at `path`, behaving as told. */
  serve(path: string, content: Buffer | string, behaviour?: Behaviour): void;
  readonly requests: ServedRequest[];
  /** Body bytes sent for `path` over every request. */
  bytesSent(path: string): number;
  /** Forgets the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

interface Route {
  readonly data: Buffer;
  readonly etag: string;
  readonly behaviour: Behaviour;
  hits: number;
}

const WRITE_CHUNK = 64 * 1024;

/** Writes `data` honouring backpressure (and the throttle), stopping when the socket goes away. */
async function send(res: http.ServerResponse, data: Buffer, record: ServedRequest, b: Behaviour, dropAt: number | undefined): Promise<void> {
  const chunk = b.throttle?.chunk ?? WRITE_CHUNK;
  for (let at = 0; at < data.length; at += chunk) {
    if (res.destroyed) return;
    let piece = data.subarray(at, Math.min(data.length, at + chunk));
    if (dropAt !== undefined && at + piece.length >= dropAt) {
      piece = piece.subarray(0, dropAt - at);
      record.bytes += piece.length;
      await new Promise<void>((resolve) => res.write(piece, () => resolve()));
      res.socket?.destroy();
      return;
    }
    record.bytes += piece.length;
    const flushed = res.write(piece);
    if (!flushed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
    if (b.throttle) await new Promise((resolve) => setTimeout(resolve, b.throttle?.everyMs));
  }
  res.end();
}

export async function startModelServer(): Promise<ModelServer> {
  const routes = new Map<string, Route>();
  const requests: ServedRequest[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const record: ServedRequest = {
      path, bytes: 0,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers['if-range'] ? { ifRange: String(req.headers['if-range']) } : {}),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
    };
    requests.push(record);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    route.hits++;
    const b = route.behaviour;
    if (b.status && route.hits <= (b.statusTimes ?? Infinity)) {
      res.writeHead(b.status, { 'content-type': 'text/plain' }).end(`HTTP ${b.status}`);
      return;
    }
    if (b.redirect) {
      res.writeHead(302, { location: b.redirect }).end();
      return;
    }
    const data = b.body ?? route.data;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const honour = m && !b.noRanges && (ifRange === undefined || ifRange === route.etag);
    if (honour) {
      start = Number(m[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
    }
    const headers: http.OutgoingHttpHeaders = { etag: route.etag, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (!b.noLength) headers['content-length'] = data.length - start;
    if (honour) headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
    res.writeHead(honour ? 206 : 200, headers);
    if (b.stall && route.hits <= (b.stallTimes ?? Infinity)) {
      res.flushHeaders();
      return; // headers sent, then silence
    }
    const dropAt = b.dropAfter !== undefined && route.hits <= (b.dropTimes ?? 1) ? Math.max(0, b.dropAfter - start) : undefined;
    if (b.gate) res.flushHeaders();
    void (b.gate ?? Promise.resolve()).then(() => send(res, data.subarray(start), record, b, dropAt));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    serve(path, content, behaviour = {}) {
      const data = typeof content === 'string' ? fs.readFileSync(content) : content;
      const etag = `"${createHash('sha1').update(data).digest('hex').slice(0, 16)}"`;
      routes.set(path, { data, etag, behaviour, hits: 0 });
    },
    requests,
    bytesSent: (path) => requests.filter((r) => r.path === path).reduce((n, r) => n + r.bytes, 0),
    reset() {
      requests.length = 0;
      for (const r of routes.values()) r.hits = 0;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
