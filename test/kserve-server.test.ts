/**
 * `facerestore serve` on loopback with real models: KServe v2 health, metadata and inference (JSON and binary) with
 * results bit-identical to running the same model in this process, and every guard: token, body limit, tensor
 * validation, unknown models and path-like names, the bounded queue's 503, graceful shutdown.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeInferResponse, encodeInferRequest, HEADER_LENGTH } from '../src/core/kserve/protocol';
import { float32Tensor, type LoadedModel, type Tensor } from '../src/core/runtime';
import { createInferenceServer } from '../src/host/node/kserve-server';
import { createNodeRuntime } from '../src/host/node/ort';
import { startServer, type RunningServer, type ServeOptions } from '../src/host/node/serve';
import { faceTensor, modelsFolder } from './helpers/kserve';
import { sharedModel } from './helpers/shared';

const TOKEN = 'test-token-0123456789abcdef';
const OPTIONS: ServeOptions = { host: '127.0.0.1', port: 0, token: TOKEN, device: 'cpu', threads: 0, concurrency: 1, queue: 16, maxBodyMb: 64 };

let tmp: string;
let running: RunningServer;
let face: Tensor;
let expected: Float32Array;

interface Reply { status: number; headers: Headers; bytes: Uint8Array; text: string }

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<Reply> {
  const r = await fetch(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {}) });
  const bytes = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, bytes, text: Buffer.from(bytes).toString('utf8') };
}
const authed = { authorization: `Bearer ${TOKEN}` };

function infer(model: string, feeds: Record<string, Tensor>, binary: boolean, headers: Record<string, string> = authed): Promise<Reply> {
  const m = encodeInferRequest(feeds, { binary });
  return call(`${running.url}/v2/models/${model}/infer`, { method: 'POST', headers: { ...headers, ...m.headers }, body: m.body });
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-serve-'));
  const dir = modelsFolder(path.join(tmp, 'models'), {
    'restore/gfpgan-v1.4.onnx': 'restore/unsharp-512.onnx',
    'detection/yunet-2023mar-640.onnx': 'detection/yunet-2023mar-640.onnx',
  });
  running = await startServer({ ...OPTIONS, modelsDir: dir }, {}, () => undefined);
  face = await faceTensor();
  // The reference: the same file on the same runtime, in this process.
  const local = await createNodeRuntime().load({ label: 'unsharp', location: sharedModel('restore/unsharp-512.onnx') });
  expected = (await local.run({ input: face })).output.data as Float32Array;
  await local.release();
});
afterAll(async () => {
  await running?.server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('health and metadata', () => {
  it('answers the health probes without a token', async () => {
    expect((await call(`${running.url}/v2/health/live`)).status).toBe(200);
    expect((await call(`${running.url}/v2/health/ready`)).status).toBe(200);
  });

  it('describes the server and each model from the model file itself', async () => {
    const server = JSON.parse((await call(`${running.url}/v2`, { headers: authed })).text);
    expect(server).toEqual({ name: 'facerestore', version: expect.any(String), extensions: ['binary_tensor_data'] });
    const meta = JSON.parse((await call(`${running.url}/v2/models/gfpgan-1.4`, { headers: authed })).text);
    expect(meta).toEqual({
      name: 'gfpgan-1.4', versions: ['1'], platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 512, 512] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 3, 512, 512] }],
    });
    const yunet = JSON.parse((await call(`${running.url}/v2/models/yunet-2023mar/versions/1`, { headers: authed })).text);
    expect(yunet.outputs.map((o: { name: string }) => o.name)).toEqual(expect.arrayContaining(['cls_8', 'obj_16', 'bbox_32', 'kps_8']));
    expect((await call(`${running.url}/v2/models/gfpgan-1.4/ready`, { headers: authed })).status).toBe(200);
  });

  it('refuses unknown models, other versions and path-like names with 404', async () => {
    for (const name of ['gfpgan-9', '..%2F..%2Fetc%2Fpasswd', '%2Ftmp%2Fx.onnx', 'restore%2Fgfpgan-v1.4.onnx']) {
      const r = await call(`${running.url}/v2/models/${name}/ready`, { headers: authed });
      expect(r.status).toBe(404);
      expect(JSON.parse(r.text).error).toMatch(/^Unknown model .*; this server serves gfpgan-1.4, yunet-2023mar$/);
    }
    expect((await call(`${running.url}/v2/models/gfpgan-1.4/versions/2/ready`, { headers: authed })).status).toBe(404);
  });
});

describe('inference', () => {
  it('returns, as binary tensors, exactly what the model gives in this process', async () => {
    const r = await infer('gfpgan-1.4', { input: face }, true);
    expect(r.status).toBe(200);
    expect(r.headers.get(HEADER_LENGTH)).toMatch(/^\d+$/);
    const out = decodeInferResponse(r.bytes, r.headers.get(HEADER_LENGTH) ?? undefined);
    expect(out.output.dims).toEqual([1, 3, 512, 512]);
    expect(Buffer.compare(Buffer.from(out.output.data.buffer), Buffer.from(expected.buffer))).toBe(0);
  });

  it('returns the same bits through JSON numbers', async () => {
    const r = await infer('gfpgan-1.4', { input: face }, false);
    expect(r.status).toBe(200);
    expect(r.headers.get(HEADER_LENGTH)).toBeNull();
    const out = decodeInferResponse(r.bytes, undefined);
    expect(Buffer.compare(Buffer.from(out.output.data.buffer), Buffer.from(expected.buffer))).toBe(0);
  });

  it('checks tensors against the model before running it', async () => {
    const small = float32Tensor(new Float32Array(3 * 256 * 256), [1, 3, 256, 256]);
    const cases: Array<[Record<string, Tensor>, RegExp]> = [
      [{ input: small }, /^Input "input" of gfpgan-1.4 has shape \[1,3,512,512\] \(−1 = any\); received \[1,3,256,256\]$/],
      [{ image: face }, /^Model gfpgan-1.4 needs input "input" \(FP32 \[1,3,512,512\]\)$/],
      [{ input: face, extra: small }, /^Model gfpgan-1.4 has no input named "extra"$/],
      [{ input: { type: 'float64', data: new Float64Array(face.data), dims: face.dims } }, /^Input "input" of gfpgan-1.4 is FP32; received FP64$/],
    ];
    for (const [feeds, message] of cases) {
      const r = await infer('gfpgan-1.4', feeds, true);
      expect({ status: r.status, error: JSON.parse(r.text).error }).toEqual({ status: 400, error: expect.stringMatching(message) });
    }
  });

  it('refuses malformed bodies with 400 and the reason', async () => {
    const url = `${running.url}/v2/models/gfpgan-1.4/infer`;
    const good = encodeInferRequest({ input: face }, { binary: true });
    const bad: Array<[Record<string, string>, Uint8Array, RegExp]> = [
      [{}, Buffer.from('{"inputs": [ {"name": "input"'), /not valid JSON/],
      [{ [HEADER_LENGTH]: good.headers[HEADER_LENGTH] }, good.body.subarray(0, good.body.length - 4), /ends before input "input"/],
      [{ [HEADER_LENGTH]: '99999999' }, good.body, /Inference-Header-Content-Length is "99999999"/],
      [{}, Buffer.from('{"inputs":[{"name":"input","shape":[1,3,512,512],"datatype":"FP32","data":[1,2,3]}]}'), /has 3 values; shape \[1,3,512,512\] needs 786432/],
    ];
    for (const [headers, body, message] of bad) {
      const r = await call(url, { method: 'POST', headers: { ...authed, ...headers }, body });
      expect({ status: r.status, error: JSON.parse(r.text).error }).toEqual({ status: 400, error: expect.stringMatching(message) });
    }
  });
});

describe('the token', () => {
  it('is required for everything but health, and a wrong one is refused like a missing one', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
      const r = await infer('gfpgan-1.4', { input: face }, true, headers);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect((await call(`${running.url}/v2/models/gfpgan-1.4`, { headers })).status).toBe(401);
    }
  });
});

/** A real model whose runs wait for the test's go-ahead, so queue states are exact. */
async function gatedModel(): Promise<{ model: LoadedModel; open(): void; started: () => number }> {
  const real = await createNodeRuntime().load({ label: 'unsharp', location: sharedModel('restore/unsharp-512.onnx') });
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  let started = 0;
  return {
    model: { ...real, run: async (feeds) => { started++; await gate; return real.run(feeds); } },
    open: () => { release(); gate = Promise.resolve(); },
    started: () => started,
  };
}

describe('load limits and shutdown', () => {
  it('refuses a body over the limit with 413 before reading it all', async () => {
    const gated = await gatedModel();
    const server = createInferenceServer({ models: [{ id: 'gfpgan-1.4', model: gated.model }], maxBodyBytes: 1 << 20, concurrency: 1, queueLimit: 1, name: 't', version: '0' });
    const { port } = await server.listen(0, '127.0.0.1');
    const m = encodeInferRequest({ input: face }, { binary: true });
    const r = await call(`http://127.0.0.1:${port}/v2/models/gfpgan-1.4/infer`, { method: 'POST', headers: m.headers, body: m.body });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text).error).toBe(`The request body is ${m.body.length} bytes; this server accepts at most 1048576 (--max-body-mb)`);
    expect(gated.started()).toBe(0);
    await server.close();
  });

  it('queues within the limit, answers 503 + Retry-After beyond it, and finishes accepted requests on close', async () => {
    const gated = await gatedModel();
    const server = createInferenceServer({ models: [{ id: 'gfpgan-1.4', model: gated.model }], maxBodyBytes: 64 << 20, concurrency: 1, queueLimit: 1, name: 't', version: '0' });
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}/v2/models/gfpgan-1.4/infer`;
    const send = (id: string): Promise<Reply> => {
      const m = encodeInferRequest({ input: face }, { binary: true, id });
      return call(url, { method: 'POST', headers: m.headers, body: m.body });
    };
    const first = send('a');
    while (gated.started() < 1) await new Promise((r) => setTimeout(r, 10));
    const second = send('b');
    await new Promise((r) => setTimeout(r, 300)); // b is read and waiting for the slot
    const third = await send('c');
    expect(third.status).toBe(503);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(third.text).error).toMatch(/^The server is busy \(1 running, 1 queued\); retry in \d+ s$/);
    const closed = server.close();
    gated.open();
    const [a, b] = await Promise.all([first, second]);
    for (const [r, id] of [[a, 'a'], [b, 'b']] as const) {
      expect(r.status).toBe(200);
      expect(JSON.parse(Buffer.from(r.bytes.subarray(0, Number(r.headers.get(HEADER_LENGTH)))).toString()).id).toBe(id);
      expect(Buffer.compare(Buffer.from(decodeInferResponse(r.bytes, r.headers.get(HEADER_LENGTH) ?? undefined).output.data.buffer), Buffer.from(expected.buffer))).toBe(0);
    }
    await closed;
    await expect(fetch(`http://127.0.0.1:${port}/v2/health/live`)).rejects.toThrow();
    expect(server.stats()).toEqual({ answered: 2, refusedBusy: 1, failed: 0 });
  });
});

describe('CORS (the web page calls from another origin)', () => {
  const PAGE = 'http://127.0.0.1:8080';

  it('answers preflights and marks answers only for the origins it was given, and never for others', async () => {
    const gated = await gatedModel();
    gated.open();
    const server = createInferenceServer({ models: [{ id: 'gfpgan-1.4', model: gated.model }], token: TOKEN, maxBodyBytes: 64 << 20, concurrency: 1, queueLimit: 1, name: 't', version: '0', corsOrigins: [PAGE] });
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}/v2/models/gfpgan-1.4/infer`;
    const preflight = (origin: string): Promise<Reply> => call(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,inference-header-content-length' } });
    const allowed = await preflight(PAGE);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization, content-type, inference-header-content-length');
    expect(gated.started()).toBe(0); // a preflight runs nothing
    const other = await preflight('http://evil.example');
    expect([other.status, other.headers.get('access-control-allow-origin')]).toEqual([403, null]);

    const m = encodeInferRequest({ input: face }, { binary: true });
    const answered = await call(url, { method: 'POST', headers: { ...authed, ...m.headers, origin: PAGE }, body: m.body });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(answered.headers.get('access-control-expose-headers')).toBe('inference-header-content-length, retry-after');
    // The token still applies to an allowed origin; other origins get no CORS headers, so browsers hide the answer.
    const noToken = await call(url, { method: 'POST', headers: { ...m.headers, origin: PAGE }, body: m.body });
    expect([noToken.status, noToken.headers.get('access-control-allow-origin')]).toEqual([401, PAGE]);
    const foreign = await call(`http://127.0.0.1:${port}/v2`, { headers: { ...authed, origin: 'http://evil.example' } });
    expect([foreign.status, foreign.headers.get('access-control-allow-origin')]).toEqual([200, null]);
    await server.close();
  });

  it('gives no origin anything by default', async () => {
    const r = await call(`${running.url}/v2/models/gfpgan-1.4/infer`, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'POST' } });
    expect([r.status, r.headers.get('access-control-allow-origin')]).toEqual([403, null]);
  });
});
