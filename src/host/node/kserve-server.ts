/**
 * The HTTP side of `facerestore serve`: KServe v2 REST (health, server and model metadata, readiness, infer) with
 * Triton's binary tensor extension, over already-loaded models. Guards, in the order a request meets them: a token
 * (when set; compared in constant time), a body size limit, a model name that is only ever a key of the served
 * models (never a path), tensors checked against the model before anything runs, and a bounded queue that answers
 * 503 + Retry-After when full. `close()` stops taking requests and finishes the ones it accepted.
 */
import * as crypto from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { describeError } from '../../core/errors';
import {
  BINARY_EXTENSION, HEADER_LENGTH, datatypeOf, decodeInferRequest, encodeError, encodeInferResponse, type DecodedRequest,
  type KsModelMetadata, type KsTensorMetadata,
} from '../../core/kserve/protocol';
import type { LoadedModel, Tensor, TensorInfo } from '../../core/runtime';

export interface ServedModel {
  /** The catalog id clients use. */
  readonly id: string;
  readonly model: LoadedModel;
}

export interface ServerOptions {
  readonly models: readonly ServedModel[];
  /** Required on every request but the health probes when set. */
  readonly token?: string;
  /** Largest request body, bytes. */
  readonly maxBodyBytes: number;
  /** Inferences run at the same time (each uses every core the runtime was given). */
  readonly concurrency: number;
  /** Requests that may wait behind the running ones; more get 503. */
  readonly queueLimit: number;
  /** e.g. "facerestore 0.1.0" for the server metadata. */
  readonly name: string;
  readonly version: string;
  /** One line per notable event (refusals, failures). */
  readonly log?: (line: string) => void;
  /**
   * Web origins allowed to call from a browser (CORS), exact matches such as http://127.0.0.1:8080: the web page
   * runs on another origin than the server. None by default, so no web site a user visits can use the server.
   */
  readonly corsOrigins?: readonly string[];
}

export interface ServerStats {
  readonly answered: number;
  readonly refusedBusy: number;
  readonly failed: number;
}

export interface InferenceServer {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, waits for accepted requests to finish, then releases the models. */
  close(): Promise<void>;
  stats(): ServerStats;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VERSION = '1';

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
  }
}

function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}

function metadataOf(id: string, model: LoadedModel): KsModelMetadata {
  const tensor = (t: TensorInfo): KsTensorMetadata => ({
    name: t.name,
    datatype: datatypeOf(t.type),
    shape: t.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
  });
  return { name: id, versions: [VERSION], platform: 'onnxruntime_onnx', inputs: model.inputs.map(tensor), outputs: model.outputs.map(tensor) };
}

/** Checks a request's tensors against the model: every input once, datatypes, ranks and fixed dims; known outputs. */
function checkRequest(meta: KsModelMetadata, request: DecodedRequest): void {
  const given = new Map(request.inputs.map((t) => [t.name, t]));
  for (const input of meta.inputs) {
    const t = given.get(input.name);
    if (!t) throw new HttpError(400, `Model ${meta.name} needs input "${input.name}" (${input.datatype} [${input.shape.join(',')}])`);
    if (t.datatype !== input.datatype) throw new HttpError(400, `Input "${input.name}" of ${meta.name} is ${input.datatype}; received ${t.datatype}`);
    const fits = t.shape.length === input.shape.length && input.shape.every((d, i) => d < 0 || d === t.shape[i]);
    if (!fits) throw new HttpError(400, `Input "${input.name}" of ${meta.name} has shape [${input.shape.join(',')}] (−1 = any); received [${t.shape.join(',')}]`);
    given.delete(input.name);
  }
  if (given.size > 0) throw new HttpError(400, `Model ${meta.name} has no input named ${[...given.keys()].map((n) => `"${n}"`).join(', ')}`);
  for (const o of request.outputs ?? []) {
    if (!meta.outputs.some((m) => m.name === o.name)) throw new HttpError(400, `Model ${meta.name} has no output named "${o.name}"`);
  }
}

export function createInferenceServer(options: ServerOptions): InferenceServer {
  const served = new Map(options.models.map((m) => [m.id, { ...m, metadata: metadataOf(m.id, m.model) }]));
  const tokenDigest = options.token ? sha256(options.token) : undefined;
  const log = options.log ?? ((): void => undefined);
  let running = 0;
  const waiting: Array<() => void> = [];
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  let meanRunMs = 3000;
  const counts = { answered: 0, refusedBusy: 0, failed: 0 };

  function authorised(req: http.IncomingMessage): boolean {
    if (!tokenDigest) return true;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && crypto.timingSafeEqual(sha256(m[1].trim()), tokenDigest);
  }

  /** Reads the body up to the limit (413 beyond it, before reading when Content-Length says so). */
  function readBody(req: http.IncomingMessage): Promise<Uint8Array> {
    const declared = Number(req.headers['content-length']);
    if (declared > options.maxBodyBytes) return Promise.reject(new HttpError(413, `The request body is ${declared} bytes; this server accepts at most ${options.maxBodyBytes} (--max-body-mb)`));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBodyBytes) {
          reject(new HttpError(413, `The request body exceeds ${options.maxBodyBytes} bytes (--max-body-mb)`));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        const body = Buffer.concat(chunks, size);
        resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
      });
      req.on('error', reject);
    });
  }

  /** Takes a run slot, queueing within the limit; 503 when the queue is full. */
  async function acquire(): Promise<void> {
    if (running < options.concurrency) {
      running++;
      return;
    }
    if (waiting.length >= options.queueLimit) {
      counts.refusedBusy++;
      const seconds = Math.max(1, Math.ceil(((waiting.length + running) * meanRunMs) / options.concurrency / 1000));
      throw new HttpError(503, `The server is busy (${running} running, ${waiting.length} queued); retry in ${seconds} s`, { 'retry-after': String(seconds) });
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  }

  function release(): void {
    const next = waiting.shift();
    if (next) next(); // the slot passes on
    else running--;
  }

  async function infer(id: string, req: http.IncomingMessage): Promise<{ body: Uint8Array; headers: Record<string, string> }> {
    const entry = served.get(id)!;
    const body = await readBody(req);
    let request: DecodedRequest;
    try {
      request = decodeInferRequest(body, req.headers[HEADER_LENGTH] as string | undefined);
    } catch (error) {
      throw new HttpError(400, describeError(error));
    }
    checkRequest(entry.metadata, request);
    const feeds: Record<string, Tensor> = {};
    for (const t of request.inputs) {
      feeds[t.name] = t.data instanceof Float64Array ? { type: 'float64', data: t.data, dims: t.shape } : { type: 'float32', data: t.data, dims: t.shape };
    }
    await acquire();
    let outputs: Record<string, Tensor>;
    const started = Date.now();
    try {
      outputs = await entry.model.run(feeds);
    } catch (error) {
      counts.failed++;
      throw new HttpError(500, `Running ${id} failed: ${describeError(error)}`);
    } finally {
      release();
    }
    meanRunMs = 0.8 * meanRunMs + 0.2 * (Date.now() - started);
    const wanted = request.outputs ? new Map(request.outputs.map((o) => [o.name, o.binary])) : undefined;
    const selected = wanted ? Object.fromEntries(Object.entries(outputs).filter(([name]) => wanted.has(name))) : outputs;
    const encoded = encodeInferResponse({ name: id, version: VERSION }, selected, (name) => wanted?.get(name) ?? request.binaryOutput, request.id);
    counts.answered++;
    return { body: encoded.body, headers: { ...encoded.headers } };
  }

  function modelFor(name: string, version: string | undefined): NonNullable<ReturnType<typeof served.get>> {
    const entry = MODEL_NAME.test(name) ? served.get(name) : undefined;
    if (!entry) throw new HttpError(404, `Unknown model "${name.slice(0, 130)}"; this server serves ${[...served.keys()].join(', ') || 'no models'}`);
    if (version !== undefined && version !== VERSION) throw new HttpError(404, `Model ${name} has version ${VERSION} only; received ${version.slice(0, 20)}`);
    return entry;
  }

  async function route(req: http.IncomingMessage): Promise<{ status: number; body?: Uint8Array; headers?: Record<string, string> }> {
    const url = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      // A CORS preflight carries no credentials: it is answered for allowed origins only, and runs nothing.
      if (!corsHeaders(req)['access-control-allow-origin']) throw new HttpError(403, `Origin ${String(req.headers.origin ?? '(none)').slice(0, 200)} is not allowed (serve --cors-origin)`);
      return {
        status: 204,
        headers: {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': `authorization, content-type, ${HEADER_LENGTH}`,
          'access-control-max-age': '600',
        },
      };
    }
    if (url === '/v2/health/live') return { status: 200 };
    if (url === '/v2/health/ready') return { status: closing ? 503 : 200 };
    if (!authorised(req)) throw new HttpError(401, 'A valid access token is required (Authorization: Bearer <token>)', { 'www-authenticate': 'Bearer' });
    if (url === '/v2' || url === '/v2/') {
      return json({ name: options.name, version: options.version, extensions: [BINARY_EXTENSION] });
    }
    const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(url);
    if (!m) throw new HttpError(404, `No such endpoint: ${method} ${url.slice(0, 200)}`);
    let name: string;
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      throw new HttpError(400, 'The model name is not valid URL encoding');
    }
    const entry = modelFor(name, m[2]);
    if (m[3] === '/infer') {
      if (method !== 'POST') throw new HttpError(405, `${url} takes POST`, { allow: 'POST' });
      if (closing) throw new HttpError(503, 'The server is shutting down', { 'retry-after': '5', connection: 'close' });
      const r = await infer(entry.id, req);
      return { status: 200, ...r };
    }
    if (method !== 'GET') throw new HttpError(405, `${url} takes GET`, { allow: 'GET' });
    return m[3] === '/ready' ? { status: 200 } : json(entry.metadata);
  }

  function json(value: unknown): { status: number; body: Uint8Array; headers: Record<string, string> } {
    return { status: 200, body: Buffer.from(JSON.stringify(value)), headers: { 'content-type': 'application/json' } };
  }

  /** CORS response headers for an allowed Origin, else none. */
  function corsHeaders(req: http.IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!origin || !options.corsOrigins?.includes(origin)) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': `${HEADER_LENGTH}, retry-after` };
  }

  const server = http.createServer((req, res) => {
    inFlight++;
    const finish = (status: number, body: Uint8Array | undefined, headers: Record<string, string>): void => {
      res.writeHead(status, { ...headers, ...corsHeaders(req), 'content-length': String(body?.byteLength ?? 0) });
      res.end(body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined);
    };
    route(req).then(
      (r) => finish(r.status, r.body, r.headers ?? {}),
      (error: unknown) => {
        const e = error instanceof HttpError ? error : new HttpError(500, describeError(error));
        if (e.status >= 500 && e.status !== 503) log(`serve: ${req.method} ${req.url}: ${e.message}`);
        // A refused body may still be arriving: close the connection rather than read it.
        const close: Record<string, string> = e.status === 413 ? { connection: 'close' } : {};
        finish(e.status, encodeError(e.message), { 'content-type': 'application/json', ...e.headers, ...close });
      },
    ).finally(() => {
      inFlight--;
      if (closing && inFlight === 0) drained?.();
    });
  });
  // Slow or idle clients must not hold the server open for ever; idle keep-alive sockets live longer than Node's 5 s
  // default so clients pausing between faces (detection, paste-back) reuse them instead of racing their close.
  server.requestTimeout = 300_000;
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;

  return {
    listen(port: number, host: string): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(): Promise<void> {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeIdleConnections();
      await stopped;
      for (const m of served.values()) await m.model.release();
    },
    stats: () => ({ ...counts }),
  };
}

