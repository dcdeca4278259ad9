import { createBrowserRuntime, planThreads, WEB_RUNTIME_FILES } from './ort';

describe('planThreads', () => {
  it('uses every core when isolated, fewer when asked, and one thread without isolation, saying why', () => {
    expect(planThreads({ isCrossOriginIsolated: true, hardwareConcurrency: 8 })).toEqual({ threads: 8, isCrossOriginIsolated: true, note: 'Runs on 8 threads in this browser.' });
    expect(planThreads({ isCrossOriginIsolated: true, hardwareConcurrency: 8, requested: 1 }).note).toBe('Runs on 1 thread in this browser (of 8 cores).');
    expect(planThreads({ isCrossOriginIsolated: true, hardwareConcurrency: 2, requested: 16 }).threads).toBe(2);
    for (const requested of [0, -1, 1.5, Number.NaN]) expect(planThreads({ isCrossOriginIsolated: true, hardwareConcurrency: 4, requested }).threads).toBe(4);
    const single = planThreads({ isCrossOriginIsolated: false, hardwareConcurrency: 4, requested: 4 });
    expect(single.threads).toBe(1);
    expect(single.note).toMatch(/^Runs on 1 thread: this page is not cross-origin isolated.*COOP\/COEP.*all 4 cores\.$/);
  });
});

describe('createBrowserRuntime', () => {
  it('loads onnxruntime-web from the vendor folder once, sets threads and paths before the first session, and explains a failed load', async () => {
    const urls: string[] = [];
    const env = { wasm: {} as Record<string, unknown>, versions: { web: '1.30.0' } };
    const runtime = createBrowserRuntime({
      vendorUrl: 'http://127.0.0.1:8080/vendor/',
      threads: 2,
      importModule: async (url) => {
        urls.push(url);
        if (urls.length === 1) throw new TypeError('Failed to fetch dynamically imported module');
        return { env, InferenceSession: { create: async () => { throw new Error('not a model'); } }, Tensor: class {} };
      },
    });
    const bytes = new Uint8Array([1, 2, 3]);
    await expect(runtime.load({ label: 'a.onnx', location: bytes })).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED', message: expect.stringMatching(/^onnxruntime-web could not be loaded from http:\/\/127\.0\.0\.1:8080\/vendor\/ .*reload the page$/) });
    // A failed load is not remembered: the next one tries again, and then configures the runtime.
    await expect(runtime.load({ label: 'a.onnx', location: bytes })).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect(urls).toEqual([`http://127.0.0.1:8080/vendor/${WEB_RUNTIME_FILES[0]}`, `http://127.0.0.1:8080/vendor/${WEB_RUNTIME_FILES[0]}`]);
    expect(env.wasm).toEqual({ wasmPaths: 'http://127.0.0.1:8080/vendor/', numThreads: 2, proxy: true });
    expect(runtime.name).toBe('onnxruntime-web 1.30.0 (wasm, 2 threads, in a worker)');
    await expect(runtime.load({ label: 'b.onnx', location: 'models/b.onnx' })).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect(urls).toHaveLength(2);
  });
});
