/**
 * The KServe v2 client on an in-memory fetch that answers as a spec-shaped server (its infer handler parses the
 * request on its own, not with protocol.ts) and a hand-driven clock: routes, transports, auth, busy retries, network
 * failures, cancels, URL rules and the fall-back to an in-process runtime.
 */
import { RestoreError } from '../errors';
import type { LoadedModel, ModelRuntime, Tensor } from '../runtime';
import { createRemoteRuntime, normaliseServerUrl, withFallback, type FetchLike, type RemoteRuntimeOptions } from './remote-runtime';

interface Call { url: string; method: string; headers: Readonly<Record<string, string>>; body?: Uint8Array }
interface Reply { status: number; headers?: Record<string, string>; body?: Uint8Array | string | object }

const BASE = 'http://127.0.0.1:8000/kserve';
const MODEL = 'gfpgan-1.4';
const source = { label: 'GFPGANv1.4.onnx', location: '/models/GFPGANv1.4.onnx', modelId: MODEL };
const input: Tensor = { type: 'float32', data: Float32Array.of(0.5, -1, 2 ** -140, 3), dims: [1, 1, 2, 2] };
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await tick();
  if (!condition()) throw new Error('the client never got there');
}

/** now() and setTimer, moved only by advance(). */
function fakeClock() {
  let time = 0;
  const timers: Array<{ at: number; ms: number; fn: () => void; live: boolean }> = [];
  return {
    now: () => time,
    setTimer(fn: () => void, ms: number) {
      const timer = { at: time + ms, ms, fn, live: true };
      timers.push(timer);
      return () => void (timer.live = false);
    },
    pending: () => timers.filter((t) => t.live).map((t) => t.ms),
    advance(ms: number) {
      time += ms;
      for (const t of timers.filter((x) => x.live && x.at <= time)) {
        t.live = false;
        t.fn();
      }
    },
  };
}

/** A fetch that records every call and rejects like WHATWG fetch when its signal fires. */
function fakeFetch(route: (call: Call) => Reply | Promise<Reply>): FetchLike & { calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = (url, init) => {
    const call: Call = { url, method: init.method, headers: init.headers, ...(init.body ? { body: init.body } : {}) };
    calls.push(call);
    return new Promise((resolve, reject) => {
      init.signal?.addEventListener?.('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')));
      Promise.resolve(route(call)).then((r) => {
        const bytes = r.body instanceof Uint8Array ? r.body : new TextEncoder().encode(typeof r.body === 'string' ? r.body : r.body === undefined ? '' : JSON.stringify(r.body));
        const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
        resolve({ status: r.status, headers: { get: (n) => headers[n.toLowerCase()] ?? null }, arrayBuffer: async () => bytes.slice().buffer });
      }, reject);
    });
  };
  return Object.assign(fetch, { calls });
}

/** Doubles input 0, parsing the request by the spec's rules and answering binary when binary_data_output asks. */
function inferDouble(call: Call): Reply {
  const body = call.body as Uint8Array;
  const n = call.headers['inference-header-content-length'];
  const end = n === undefined ? body.length : Number(n);
  const req = JSON.parse(new TextDecoder().decode(body.subarray(0, end))) as { parameters?: Record<string, unknown>; inputs: Array<{ shape: number[]; data?: number[] }> };
  const view = new DataView(body.buffer, body.byteOffset + end);
  const values = req.inputs[0].data ?? Array.from({ length: view.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  const out = values.map((v) => v * 2);
  const output = { name: 'output', shape: req.inputs[0].shape, datatype: 'FP32' };
  if (req.parameters?.binary_data_output !== true) return { status: 200, body: { model_name: MODEL, outputs: [{ ...output, data: out }] } };
  const head = new TextEncoder().encode(JSON.stringify({ model_name: MODEL, outputs: [{ ...output, parameters: { binary_data_size: out.length * 4 } }] }));
  const bytes = new Uint8Array(head.length + out.length * 4);
  bytes.set(head);
  out.forEach((v, i) => new DataView(bytes.buffer).setFloat32(head.length + i * 4, v, true));
  return { status: 200, headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(head.length) }, body: bytes };
}

function server(opts: { binary?: boolean; ready?: Record<string, boolean>; infer?: (call: Call) => Reply | Promise<Reply> } = {}) {
  const meta = { name: MODEL, versions: ['1'], platform: 'onnxruntime_onnx', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3, -1, -1] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3, -1, -1] }] };
  return (call: Call): Reply | Promise<Reply> => {
    const path = call.url.slice(BASE.length);
    if (path === '/v2') return { status: 200, body: { name: 'triton', version: '2.41.0', extensions: opts.binary === false ? ['classification'] : ['classification', 'binary_tensor_data'] } };
    if (path === '/v2/health/ready') return { status: 200 };
    const m = /^\/v2\/models\/([^/]+)(\/ready|\/infer)?$/.exec(path);
    const known = m && (m[1] === MODEL || opts.ready?.[m[1]] !== undefined);
    if (!m || !known) return { status: 404, body: { error: `Request for unknown model: '${m?.[1] ?? path}' is not found` } };
    if (m[2] === '/ready') return { status: opts.ready?.[m[1]] === false ? 400 : 200 };
    if (m[2] === '/infer') return (opts.infer ?? inferDouble)(call);
    return { status: 200, body: meta };
  };
}

function runtime(route: (call: Call) => Reply | Promise<Reply>, over: Partial<RemoteRuntimeOptions> = {}) {
  const clock = fakeClock();
  const fetch = fakeFetch(route);
  return { clock, fetch, remote: createRemoteRuntime({ url: `${BASE}/`, fetch, clock, ...over }) };
}

async function caught(promise: Promise<unknown>): Promise<RestoreError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (error instanceof RestoreError) return error;
  throw new Error(`expected a RestoreError, got ${String(error)}`);
}

describe('createRemoteRuntime', () => {
  it('load() reads the model metadata and readiness, and maps FP32 [-1,3,-1,-1] to TensorInfo', async () => {
    const { fetch, remote } = runtime(server());
    const model = await remote.load(source);
    expect(fetch.calls.map((c) => `${c.method} ${c.url}`)).toEqual([`GET ${BASE}/v2/models/${MODEL}`, `GET ${BASE}/v2/models/${MODEL}/ready`, `GET ${BASE}/v2`]);
    expect(model.inputs).toEqual([{ name: 'input', type: 'float32', shape: [-1, 3, -1, -1] }]);
    expect(model.outputs).toEqual([{ name: 'output', type: 'float32', shape: [-1, 3, -1, -1] }]);
  });

  it('run() posts binary tensors when the server lists binary_tensor_data', async () => {
    const { fetch, remote } = runtime(server());
    const model = await remote.load(source);
    const out = await model.run({ input });
    await model.run({ input });
    const post = fetch.calls[3];
    expect([post.method, post.url]).toEqual(['POST', `${BASE}/v2/models/${MODEL}/infer`]);
    expect(post.headers['content-type']).toBe('application/octet-stream');
    const n = Number(post.headers['inference-header-content-length']);
    expect(JSON.parse(new TextDecoder().decode((post.body as Uint8Array).subarray(0, n))).inputs[0].parameters).toEqual({ binary_data_size: 16 });
    expect(out.output.dims).toEqual([1, 1, 2, 2]);
    expect(Array.from(out.output.data)).toEqual(Array.from(input.data).map((v) => v * 2));
    expect(fetch.calls.filter((c) => c.url === `${BASE}/v2`)).toHaveLength(1);
  });

  it('run() posts JSON when the server does not list the extension, or when transport is json', async () => {
    for (const [opts, over] of [[{ binary: false }, {}], [{}, { transport: 'json' as const }]] as const) {
      const { fetch, remote } = runtime(server(opts), over);
      const out = await (await remote.load(source)).run({ input });
      const post = fetch.calls.find((c) => c.method === 'POST') as Call;
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.headers['inference-header-content-length']).toBeUndefined();
      expect(JSON.parse(new TextDecoder().decode(post.body)).inputs[0].data).toEqual(Array.from(input.data));
      expect(Array.from(out.output.data)).toEqual(Array.from(input.data).map((v) => v * 2));
      expect(fetch.calls.some((c) => c.url === `${BASE}/v2`)).toBe(over.transport === undefined);
    }
  });

  it('sends Authorization: Bearer on every request when a token is given, and none otherwise', async () => {
    const withToken = runtime(server(), { token: 's3cret' });
    await (await withToken.remote.load(source)).run({ input });
    expect(withToken.fetch.calls.map((c) => c.headers.authorization)).toEqual(Array(4).fill('Bearer s3cret'));
    const without = runtime(server());
    await without.remote.load(source);
    expect(without.fetch.calls.every((c) => !('authorization' in c.headers))).toBe(true);
  });

  it('waits Retry-After on the clock after a 503 and then succeeds', async () => {
    let busy = 1;
    const { clock, fetch, remote } = runtime(server({ infer: (call) => (busy-- > 0 ? { status: 503, headers: { 'Retry-After': '2' }, body: { error: 'busy' } } : inferDouble(call)) }));
    const model = await remote.load(source);
    const posts = (): number => fetch.calls.filter((c) => c.method === 'POST').length;
    const result = model.run({ input });
    await until(() => clock.pending().includes(2000));
    clock.advance(1999);
    await tick();
    expect(posts()).toBe(1);
    clock.advance(1);
    expect(Array.from((await result).output.data)).toEqual(Array.from(input.data).map((v) => v * 2));
    expect(posts()).toBe(2);
  });

  it('gives up when the busy wait would pass busyWaitMs', async () => {
    const { remote } = runtime(server({ infer: () => ({ status: 503, headers: { 'retry-after': '30' }, body: { error: 'queue full' } }) }), { busyWaitMs: 5000 });
    const e = await caught((await remote.load(source)).run({ input }));
    expect(e.code).toBe('SERVER_REFUSED');
    expect(e.message).toBe(`The inference server at ${BASE} refused to run ${MODEL} for 5 s (busy) (HTTP 503: queue full)`);
  }, 10_000); // the clock never moves: a client that ignored Retry-After would wait forever

  it('turns a 401 into SERVER_REFUSED that points at the token, and a 404 into "does not serve it"', async () => {
    const { remote } = runtime(() => ({ status: 401, body: { error: 'Unauthorized' } }), { token: 'wrong' });
    const e = await caught(remote.load(source));
    expect(e.code).toBe('SERVER_REFUSED');
    expect(e.message).toBe(`The inference server at ${BASE} refused the model ${MODEL} (HTTP 401: Unauthorized): check the access token`);
    const missing = await caught(runtime(server()).remote.load({ ...source, modelId: 'codeformer' }));
    expect(missing.message).toMatch(/refused the model codeformer \(HTTP 404: Request for unknown model: 'codeformer' is not found\): the server does not serve it/);
  });

  it('turns a fetch rejection (ECONNREFUSED) into SERVER_UNREACHABLE', async () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }) });
    const e = await caught(runtime(() => Promise.reject(refused)).remote.load(source));
    expect(e.code).toBe('SERVER_UNREACHABLE');
    expect(e.message).toBe(`The inference server at ${BASE} cannot be reached or stopped answering (connect ECONNREFUSED 127.0.0.1:8000); check that it is running`);
    expect((e as Error & { cause?: unknown }).cause).toBe(refused);
  });

  it('sends a request that failed on the wire once more (a kept-alive socket closed while idle), and only once', async () => {
    const reset = (): Promise<never> => Promise.reject(new TypeError('fetch failed', { cause: new Error('write EPIPE') }));
    let drops = 1;
    const route = server();
    const flaky = runtime((call) => (call.method === 'POST' && drops-- > 0 ? reset() : route(call)));
    const model = await flaky.remote.load(source);
    const out = await model.run({ input });
    expect(Array.from(out.output.data)).toEqual(Array.from(input.data).map((v) => v * 2));
    expect(flaky.fetch.calls.filter((c) => c.method === 'POST')).toHaveLength(2);
    drops = 2;
    const e = await caught(model.run({ input }));
    expect([e.code, e.message]).toEqual(['SERVER_UNREACHABLE', expect.stringContaining('(write EPIPE)')]);
    expect(flaky.fetch.calls.filter((c) => c.method === 'POST')).toHaveLength(4);
  });

  it('times out a request that never answers after timeoutMs on the clock', async () => {
    const { clock, remote } = runtime(() => new Promise<Reply>(() => undefined), { timeoutMs: 4000 });
    const pending = caught(remote.load(source));
    await until(() => clock.pending().includes(4000));
    clock.advance(4000);
    const e = await pending;
    expect(e.code).toBe('SERVER_UNREACHABLE');
    expect(e.message).toBe(`The inference server at ${BASE} did not answer GET /v2/models/${MODEL} within 4 s`);
  });

  it('rejects with an AbortError when the signal fires during the busy wait, and stops there', async () => {
    const { clock, fetch, remote } = runtime(server({ infer: () => ({ status: 503, headers: { 'retry-after': '5' } }) }));
    const model = await remote.load(source);
    const controller = new AbortController();
    const result = model.run({ input }, controller.signal).then(() => undefined, (e: unknown) => e);
    await until(() => clock.pending().includes(5000));
    controller.abort();
    const e = (await result) as RestoreError;
    expect(e.name).toBe('AbortError');
    expect(e.code).toBe('ABORTED');
    expect(clock.pending()).toEqual([]);
    clock.advance(60_000);
    await tick();
    expect(fetch.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('rejects with an AbortError when the signal fires while the request is in flight', async () => {
    const { fetch, remote } = runtime(() => new Promise<Reply>(() => undefined));
    const controller = new AbortController();
    const result = remote.load(source, { signal: controller.signal }).then(() => undefined, (e: unknown) => e);
    await until(() => fetch.calls.length > 0);
    controller.abort();
    expect(((await result) as Error).name).toBe('AbortError');
  });

  it('refuses a source without modelId with INVALID_OPTION, before any request', async () => {
    const { fetch, remote } = runtime(server());
    const e = await caught(remote.load({ label: 'my-finetune.onnx', location: '/tmp/my-finetune.onnx' }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toMatch(/^my-finetune\.onnx is not a catalog model; an inference server runs catalog models by id only/);
    expect(fetch.calls).toEqual([]);
  });

  it('refuses a 200 answer that is not JSON (not a KServe server) with PROTOCOL_ERROR', async () => {
    const e = await caught(runtime(() => ({ status: 200, body: '<!doctype html><title>Router</title>' })).remote.load(source));
    expect(e.code).toBe('PROTOCOL_ERROR');
    expect(e.message).toMatch(/answered the model gfpgan-1\.4 with something that is not JSON; is .* a KServe v2 server\?$/);
  });

  it('test() reports the server, its transport, the probe latency and which models are ready', async () => {
    const route = server({ ready: { [MODEL]: true, 'restoreformer': false } });
    const made = runtime((call) => {
      if (call.url.endsWith('/v2/health/ready')) made.clock.advance(7); // the probe's round trip
      return route(call);
    });
    const report = await made.remote.test([MODEL, 'restoreformer', 'codeformer']);
    expect(report).toEqual({ url: BASE, server: 'triton 2.41.0', binary: true, latencyMs: 7, models: { [MODEL]: true, restoreformer: false, codeformer: false } });
    const locked = runtime((call) => (call.url.endsWith('/ready') && !call.url.endsWith('health/ready') ? { status: 401 } : route(call)));
    expect((await caught(locked.remote.test([MODEL]))).code).toBe('SERVER_REFUSED');
  });
});

describe('normaliseServerUrl', () => {
  it.each([
    ['http://127.0.0.1:8000/', 'http://127.0.0.1:8000'],
    [' https://gpu.example/kserve// ', 'https://gpu.example/kserve'],
    ['HTTP://[::1]:8000', 'HTTP://[::1]:8000'],
  ])('accepts %j as %j', (raw, url) => expect(normaliseServerUrl(raw)).toBe(url));

  it.each(['ftp://host/models', 'http://user:pass@host:8000', 'http://host:8000/?token=x', 'http://host:8000/#x', 'localhost:8000', 'http://', ''])('refuses %j with INVALID_OPTION', (raw) => {
    const e = (() => { try { normaliseServerUrl(raw); } catch (error) { return error; } return undefined; })() as RestoreError;
    expect(e).toBeInstanceOf(RestoreError);
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toBe(`Expected a server URL such as http://127.0.0.1:8000 but received ${JSON.stringify(raw)} (http or https, no user name, query or fragment)`);
  });
});

describe('withFallback', () => {
  function local() {
    const counts = { loads: 0, runs: 0 };
    const model: LoadedModel = { inputs: [], outputs: [], run: async () => (counts.runs++, { output: { ...input, data: Float32Array.of(42) } }), release: async () => undefined };
    const rt: ModelRuntime = { name: 'onnxruntime-node (cpu)', load: async () => (counts.loads++, model) };
    return { rt, counts };
  }

  it('moves to the fallback once the server becomes unreachable, and stays there', async () => {
    let up = true;
    const { fetch, remote } = runtime((call) => (up ? server()(call) : Promise.reject(new TypeError('fetch failed', { cause: new Error('read ECONNRESET') }))));
    const { rt, counts } = local();
    const onFallback = jest.fn();
    const both = withFallback(remote, rt, onFallback);
    const model = await both.load(source);
    expect(Array.from((await model.run({ input })).output.data)).toEqual(Array.from(input.data).map((v) => v * 2));
    up = false;
    expect(Array.from((await model.run({ input })).output.data)).toEqual([42]);
    const seen = fetch.calls.length;
    await model.run({ input });
    await (await both.load({ ...source, modelId: 'yunet-2023mar' })).run({ input });
    expect(fetch.calls.length).toBe(seen);
    expect(onFallback).toHaveBeenCalledTimes(1);
    expect((onFallback.mock.calls[0][0] as RestoreError).code).toBe('SERVER_UNREACHABLE');
    expect(counts).toEqual({ loads: 2, runs: 3 });
  });

  it('tells onFallback once when two runs in flight lose the server together', async () => {
    let drop = (): void => undefined;
    const down = new Promise<Reply>((_, reject) => (drop = () => reject(new TypeError('fetch failed', { cause: new Error('socket hang up') }))));
    const { fetch, remote } = runtime(server({ infer: () => down }));
    const { rt, counts } = local();
    const onFallback = jest.fn();
    const both = withFallback(remote, rt, onFallback);
    const [a, b] = [await both.load(source), await both.load({ ...source, modelId: MODEL })];
    const runs = Promise.all([a.run({ input }), b.run({ input })]);
    await until(() => fetch.calls.filter((c) => c.method === 'POST').length === 2);
    drop();
    expect((await runs).map((r) => Array.from(r.output.data))).toEqual([[42], [42]]);
    expect(onFallback).toHaveBeenCalledTimes(1);
    expect(counts).toEqual({ loads: 2, runs: 2 });
  });

  it('falls back at load time when the server is down from the start', async () => {
    const { rt, counts } = local();
    const onFallback = jest.fn();
    const both = withFallback(runtime(() => Promise.reject(new TypeError('fetch failed'))).remote, rt, onFallback);
    expect(Array.from((await (await both.load(source)).run({ input })).output.data)).toEqual([42]);
    expect(onFallback).toHaveBeenCalledTimes(1);
    expect(counts.loads).toBe(1);
  });

  it('does not fall back on SERVER_REFUSED: the refusal reaches the caller', async () => {
    const { rt, counts } = local();
    const onFallback = jest.fn();
    const { remote } = runtime(server({ infer: () => ({ status: 401, body: { error: 'bad token' } }) }));
    const model = await withFallback(remote, rt, onFallback).load(source);
    const e = await caught(model.run({ input }));
    expect([e.code, e.message.endsWith('check the access token')]).toEqual(['SERVER_REFUSED', true]);
    expect(onFallback).not.toHaveBeenCalled();
    expect(counts).toEqual({ loads: 0, runs: 0 });
  });
});
