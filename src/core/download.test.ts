/**
 * The download policy on an in-memory store and a scripted transport: URL rules, redirects checked hop by hop,
 * Range/If-Range on resume, restarts when the server cannot resume, size caps. The real-network behaviour
 * (dropped connections, stalls, two processes) is tested against a real HTTP server in test/model-download.test.ts.
 */
import { createHash } from 'crypto';
import { checkDownloadUrl, downloadVerified, type DownloadTarget } from './download';
import type { FileWriter, HttpResponse, HttpTransport, ModelHost, ModelStore } from './model-host';

function memoryStore(): ModelStore & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  return {
    files,
    location: '/memory',
    size: async (p) => files.get(p)?.length,
    async *read(p, start = 0) {
      const bytes = files.get(p);
      if (bytes) yield bytes.subarray(start);
    },
    readText: async (p) => (files.has(p) ? new TextDecoder().decode(files.get(p)) : undefined),
    writeText: async (p, text) => void files.set(p, new TextEncoder().encode(text)),
    async open(p, { append }): Promise<FileWriter> {
      if (!append || !files.has(p)) files.set(p, new Uint8Array(0));
      return { write: async (b) => void files.set(p, concat(files.get(p) as Uint8Array, b)), close: async () => undefined };
    },
    rename: async (from, to) => {
      files.set(to, files.get(from) as Uint8Array);
      files.delete(from);
    },
    remove: async (p) => void files.delete(p),
    list: async () => [],
    lock: async () => async () => undefined,
  };
}

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

function scriptedTransport(answer: (url: string, headers: Readonly<Record<string, string>>) => Scripted): HttpTransport & { calls: Array<{ url: string; headers: Readonly<Record<string, string>> }> } {
  const calls: Array<{ url: string; headers: Readonly<Record<string, string>> }> = [];
  return {
    calls,
    async get(url, { headers }): Promise<HttpResponse> {
      calls.push({ url, headers });
      const a = answer(url, headers);
      const h: Record<string, string> = { ...(a.body ? { 'content-length': String(a.body.length) } : {}), ...a.headers };
      return {
        status: a.status, url, header: (n) => h[n],
        body: (async function* () { if (a.body) yield a.body; })(),
        cancel: () => undefined,
      };
    },
  };
}

function host(store: ModelStore, transport: HttpTransport): ModelHost {
  return {
    store, transport,
    sha256: () => {
      const h = createHash('sha256');
      return { update: (b) => void h.update(b), digest: () => h.digest('hex') };
    },
    clock: { now: () => Date.now(), setTimer: (fn, ms) => { const t = setTimeout(fn, ms); return () => clearTimeout(t); } },
  };
}

const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251);
const sha = createHash('sha256').update(payload).digest('hex');
const target = (over: Partial<DownloadTarget> = {}): DownloadTarget =>
  ({ url: 'https://models.example/m.onnx', path: 'restore/m.onnx', sha256: sha, size: payload.length, sizeExact: true, label: 'M', ...over });
const quick = { retries: 1, backoffMs: 1, connectTimeoutMs: 1000, idleTimeoutMs: 1000 };

describe('checkDownloadUrl', () => {
  it.each(['https://github.com/a/b.onnx', 'http://127.0.0.1:8080/x.onnx', 'http://localhost/x', 'http://[::1]:9/x'])('accepts %s', (url) => {
    expect(checkDownloadUrl(url)).toBe(url);
  });
  it.each(['http://github.com/a.onnx', 'ftp://x/y', 'file:///etc/passwd', 'http://127.0.0.1.evil.com/x', 'github.com/a'])('refuses %s', (url) => {
    expect(() => checkDownloadUrl(url)).toThrow(/only https:\/\/ URLs/);
  });
});

describe('downloadVerified', () => {
  it('installs a verified file under its final name only, and removes the resume metadata', async () => {
    const store = memoryStore();
    const got = await downloadVerified(host(store, scriptedTransport(() => ({ status: 200, body: payload }))), target(), quick);
    expect(got).toEqual({ sha256: sha, size: payload.length, url: 'https://models.example/m.onnx' });
    expect([...store.files.keys()]).toEqual(['restore/m.onnx']);
  });

  it('follows a redirect but refuses one that leaves https', async () => {
    const ok = scriptedTransport((url) => (url.endsWith('m.onnx') ? { status: 302, headers: { location: '/cdn/m.bin' } } : { status: 200, body: payload }));
    const got = await downloadVerified(host(memoryStore(), ok), target(), quick);
    expect(got.url).toBe('https://models.example/cdn/m.bin');
    const bad = scriptedTransport(() => ({ status: 302, headers: { location: 'http://evil.example/m.onnx' } }));
    await expect(downloadVerified(host(memoryStore(), bad), target(), quick)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/http:\/\/evil/) });
  });

  it('resumes with Range and If-Range, hashing the bytes already on disk', async () => {
    const store = memoryStore();
    store.files.set('restore/m.onnx.part', payload.subarray(0, 1200));
    store.files.set('restore/m.onnx.part.json', new TextEncoder().encode(JSON.stringify({ url: target().url, validator: '"v1"', total: payload.length })));
    const t = scriptedTransport(() => ({ status: 206, headers: { 'content-range': `bytes 1200-4999/${payload.length}` }, body: payload.subarray(1200) }));
    const got = await downloadVerified(host(store, t), target(), quick);
    expect(t.calls[0].headers).toEqual({ range: 'bytes=1200-', 'if-range': '"v1"' });
    expect(got.sha256).toBe(sha);
  });

  it('starts over when the server answers a Range request with the whole file (200)', async () => {
    const store = memoryStore();
    store.files.set('restore/m.onnx.part', new Uint8Array(1200).fill(9)); // not even the right bytes
    store.files.set('restore/m.onnx.part.json', new TextEncoder().encode(JSON.stringify({ url: target().url })));
    const got = await downloadVerified(host(store, scriptedTransport(() => ({ status: 200, body: payload }))), target(), quick);
    expect(got.sha256).toBe(sha);
  });

  it('starts over after 416 (the partial file is no prefix of the remote one)', async () => {
    const store = memoryStore();
    store.files.set('restore/m.onnx.part', new Uint8Array(6000));
    store.files.set('restore/m.onnx.part.json', new TextEncoder().encode(JSON.stringify({ url: target().url })));
    const t = scriptedTransport((_, h) => (h.range ? { status: 416 } : { status: 200, body: payload }));
    expect((await downloadVerified(host(store, t), target(), quick)).sha256).toBe(sha);
    expect(t.calls.map((c) => c.headers.range)).toEqual(['bytes=6000-', undefined]);
  });

  it('ignores a partial file left by another URL', async () => {
    const store = memoryStore();
    store.files.set('restore/m.onnx.part', payload.subarray(0, 100));
    store.files.set('restore/m.onnx.part.json', new TextEncoder().encode(JSON.stringify({ url: 'https://old.example/m.onnx' })));
    const t = scriptedTransport(() => ({ status: 200, body: payload }));
    await downloadVerified(host(store, t), target(), quick);
    expect(t.calls[0].headers).toEqual({});
  });

  it('refuses a file larger than the catalog allows before writing anything', async () => {
    const store = memoryStore();
    const t = scriptedTransport(() => ({ status: 200, body: new Uint8Array(20000) }));
    await expect(downloadVerified(host(store, t), target({ sha256: null, size: 10000, sizeExact: false }), quick)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(store.files.size).toBe(0);
  });

  it('refuses a file whose exact size differs, and one whose checksum differs, leaving nothing', async () => {
    const store = memoryStore();
    await expect(downloadVerified(host(store, scriptedTransport(() => ({ status: 200, body: payload.subarray(1) }))), target(), quick))
      .rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: expect.stringMatching(/4999 bytes; the catalog expects 5000/) });
    const wrong = payload.slice();
    wrong[10] ^= 1;
    await expect(downloadVerified(host(store, scriptedTransport(() => ({ status: 200, body: wrong }))), target(), quick))
      .rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: expect.stringContaining(sha) });
    expect(store.files.size).toBe(0);
  });

  it('retries 5xx, then reports the last failure; does not retry 404', async () => {
    const t500 = scriptedTransport(() => ({ status: 503 }));
    await expect(downloadVerified(host(memoryStore(), t500), target(), quick)).rejects.toMatchObject({ code: 'NETWORK_ERROR', message: expect.stringMatching(/after 2 attempts: models.example answered HTTP 503/) });
    expect(t500.calls).toHaveLength(2);
    const t404 = scriptedTransport(() => ({ status: 404 }));
    await expect(downloadVerified(host(memoryStore(), t404), target(), quick)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/HTTP 404/) });
    expect(t404.calls).toHaveLength(1);
  });

  it('says the computer may be offline when the host cannot be resolved', async () => {
    const offline: HttpTransport = { get: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND models.example'), { code: 'ENOTFOUND' })) };
    await expect(downloadVerified(host(memoryStore(), offline), target(), quick)).rejects.toMatchObject({ code: 'NETWORK_ERROR', message: expect.stringMatching(/Is this computer online\?/) });
  });

  it('stops at once when cancelled, keeping nothing under the final name', async () => {
    const controller = new AbortController();
    controller.abort();
    const store = memoryStore();
    await expect(downloadVerified(host(store, scriptedTransport(() => ({ status: 200, body: payload }))), target(), { ...quick, signal: controller.signal }))
      .rejects.toMatchObject({ code: 'ABORTED' });
    expect(store.files.has('restore/m.onnx')).toBe(false);
  });
});
