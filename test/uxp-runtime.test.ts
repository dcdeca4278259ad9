/**
 * The panel's inference runtime, bundled as the plugin bundles it (scripts/uxp-webpack.js) and run in a realm with
 * UXP's JavaScript limits (test/helpers/uxp-sandbox.ts), once with and once without shared wasm memory. Scripts load
 * in index.html's order: the 1.18 fallback script, then the panel bundle. YuNet must find the same faces as the engine
 * on onnxruntime-node in this process. Photoshop itself is not here: see the report of what stays unverified.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JSDOM } from 'jsdom';
import { buildBundle } from './helpers/webpack-build';
import { uxpVendorFiles, uxpWebpackConfig } from '../scripts/uxp-webpack';
import { createRestorer, type PixelImage } from '../src/core';
import type { TensorInfo } from '../src/core/runtime';
import type { DetectedFace } from '../src/core/types';
import { createNodeRuntime } from '../src/host/node/ort';
import { readOnnxSignature } from '../src/core/onnx-signature';
import { createUxpRuntime } from '../src/host/photoshop/ort-runtime';
import { describeWasmProbe, probeWasm } from '../src/host/photoshop/wasm-probe';
import type { DetectReport, UxpRuntimeTestApi } from './fixtures/uxp-runtime-entry';
import { loadRgb8 } from './helpers/images';
import { sharedImage, sharedModel } from './helpers/shared';
import { createUxpSandbox, type UxpSandbox } from './helpers/uxp-sandbox';

const PHOTO = 'codeformer_whole_00.jpg';
const YUNET = 'models/yunet-2023mar-640.onnx';
const NOT_ONNX = 'models/not-a-model.onnx';
const UXP_MODULES = { photoshop: { app: 'fake photoshop' }, uxp: { host: { name: 'fake' } }, fs: {}, os: {} };

let workDir = '';
let pluginDir = '';
let bundleText = '';
let legacyText = '';
let image: PixelImage;
let reference: DetectedFace[] = [];

/** The plugin's `fs.readFile('plugin:/…')`, confined to the temporary plugin folder. */
async function readPluginFile(relativePath: string): Promise<Uint8Array> {
  const file = path.resolve(pluginDir, relativePath);
  if (!file.startsWith(pluginDir + path.sep)) throw new Error(`${relativePath} is outside the plugin folder`);
  return new Uint8Array(await fs.promises.readFile(file));
}

/** Loads the scripts as index.html does and returns the entry's test API. */
function loadPanel(box: UxpSandbox): UxpRuntimeTestApi {
  box.runScript(legacyText, 'vendor/ort-legacy/ort.wasm-core.min.js');
  box.runScript(bundleText, 'index.js');
  return box.runScript('globalThis.facerestoreUxpTest', 'get-api.js') as UxpRuntimeTestApi;
}

/** The photo as a PixelImage whose typed array belongs to the sandbox realm, as Photoshop's pixels would. */
function imageInRealm(box: UxpSandbox): PixelImage {
  const make = box.runScript('(w, h, n) => ({ width: w, height: h, channels: 3, maxValue: 255, data: new Uint8Array(n) })', 'image.js') as
    (w: number, h: number, n: number) => PixelImage;
  const copy = make(image.width, image.height, image.data.length);
  (copy.data as Uint8Array).set(image.data);
  return copy;
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-uxp-'));
  pluginDir = path.join(workDir, 'plugin');
  await buildBundle(uxpWebpackConfig({ entry: path.join(__dirname, 'fixtures', 'uxp-runtime-entry.ts'), outDir: pluginDir }));
  for (const { from, to } of uxpVendorFiles()) {
    fs.mkdirSync(path.dirname(path.join(pluginDir, to)), { recursive: true });
    fs.copyFileSync(from, path.join(pluginDir, to));
  }
  fs.mkdirSync(path.join(pluginDir, 'models'));
  fs.copyFileSync(sharedModel('detection/yunet-2023mar-640.onnx'), path.join(pluginDir, YUNET));
  fs.writeFileSync(path.join(pluginDir, NOT_ONNX), 'This is a text file, not an ONNX model.\n'.repeat(50));
  bundleText = fs.readFileSync(path.join(pluginDir, 'index.js'), 'utf8');
  legacyText = fs.readFileSync(path.join(pluginDir, 'vendor/ort-legacy/ort.wasm-core.min.js'), 'utf8');

  image = await loadRgb8(sharedImage(PHOTO));
  const nodeRestorer = createRestorer({
    runtime: createNodeRuntime(),
    detector: { kind: 'yunet', source: { label: 'yunet', location: sharedModel('detection/yunet-2023mar-640.onnx') } },
    restorer: { source: { label: 'unused', location: 'unused.onnx' } },
  });
  reference = await nodeRestorer.detect(image);
  await nodeRestorer.dispose();
}, 240000);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('the UXP bundle', () => {
  it('contains no dynamic import(), no Node runtime and no build-machine path', () => {
    expect(bundleText).not.toMatch(/(^|[^\w$.])import\s*\(/);
    expect(bundleText).not.toMatch(/node_modules[\\/]onnxruntime-node|require\(["']onnxruntime-node/);
    expect(bundleText).not.toContain('file:///');
    // onnxruntime-web's bundle build got bundled: only it embeds the Emscripten glue (pthread name, streaming compile).
    expect(bundleText).toContain('em-pthread');
    expect(bundleText).toContain('WebAssembly.instantiateStreaming');
    expect(fs.readdirSync(pluginDir).filter((f) => f.endsWith('.wasm'))).toEqual([]);
  });
});

describe('the UXP sandbox', () => {
  it('has no Worker, SharedArrayBuffer, process, Buffer or dynamic import, and requires only UXP modules', async () => {
    const box = createUxpSandbox({ isSharedMemoryAvailable: false, modules: UXP_MODULES });
    const absent = ['Worker', 'SharedArrayBuffer', 'MessageChannel', 'process', 'Buffer', 'URL', 'TextEncoder', 'TextDecoder', 'performance', 'location'];
    const types = box.runScript(`${JSON.stringify(absent)}.map((n) => typeof globalThis[n])`, 'types.js') as string[];
    expect([...types]).toEqual(absent.map(() => 'undefined'));
    expect(box.runScript('window === globalThis && typeof WebAssembly', 'window.js')).toBe('object');
    expect(box.runScript("require('photoshop').app", 'require.js')).toBe('fake photoshop');
    expect(() => box.runScript("require('path')", 'require-path.js')).toThrow("Cannot find module 'path'");
    await expect(box.runScript("import('fs')", 'import.js')).rejects.toMatchObject({ code: 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' });
    expect(() => box.runScript('eval("1")', 'eval.js')).toThrow(/Code generation from strings disallowed/);
  });

  it('refuses shared wasm memory exactly when told to', () => {
    const shared = 'new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer.byteLength';
    const without = createUxpSandbox({ isSharedMemoryAvailable: false, modules: UXP_MODULES });
    expect(() => without.runScript(shared, 'shared.js')).toThrow(/shared memory/);
    expect(without.runScript('new WebAssembly.Memory({ initial: 1 }) instanceof WebAssembly.Memory', 'plain.js')).toBe(true);
    const withShared = createUxpSandbox({ isSharedMemoryAvailable: true, modules: UXP_MODULES });
    expect(withShared.runScript(shared, 'shared.js')).toBe(65536);
  });
});

const PATHS = [
  {
    title: 'with shared wasm memory', isSharedMemoryAvailable: true, isSimdHidden: false,
    name: /^onnxruntime-web 1\.30\.\d+ \(wasm SIMD, 1 thread\)$/, text: /onnxruntime-web 1\.30/, binary: 'vendor/ort-wasm-simd-threaded.wasm',
  },
  {
    title: 'without shared wasm memory', isSharedMemoryAvailable: false, isSimdHidden: false,
    name: /^onnxruntime-web 1\.18\.\d+ \(wasm SIMD, no shared memory\)$/, text: /no shared WebAssembly memory.*1\.18.*with SIMD/,
    binary: 'vendor/ort-legacy/ort-wasm-simd.wasm',
  },
  {
    title: 'without shared wasm memory or SIMD', isSharedMemoryAvailable: false, isSimdHidden: true,
    name: /^onnxruntime-web 1\.18\.\d+ \(wasm, no shared memory\)$/, text: /no shared WebAssembly memory.*1\.18.*without SIMD/,
    binary: 'vendor/ort-legacy/ort-wasm.wasm',
  },
];

describe.each(PATHS)('in the sandbox $title', ({ isSharedMemoryAvailable, isSimdHidden, name, text, binary }) => {
  let box: UxpSandbox;
  let api: UxpRuntimeTestApi;
  let report: DetectReport;
  const read: string[] = [];
  const recordingRead = (relativePath: string): Promise<Uint8Array> => {
    read.push(relativePath);
    return readPluginFile(relativePath);
  };

  beforeAll(async () => {
    box = createUxpSandbox({ isSharedMemoryAvailable, modules: UXP_MODULES, window: new JSDOM('<!doctype html><body><div id="app"></div></body>').window });
    api = loadPanel(box);
    if (isSimdHidden) api.overrideProbe({ hasSimd: false });
    const started = Date.now();
    report = await api.detect(recordingRead, imageInRealm(box), YUNET);
    // Printed for the record (never asserted): session creation and detection times on this path.
    process.stdout.write(`[uxp-runtime] ${report.runtimeName}: session ${report.loadMs} ms, detection ${report.detectMs} ms, `
      + `warm detection ${report.warmDetectMs} ms, total ${Date.now() - started} ms\n`);
  }, 120000);

  it('chooses the runtime the probe allows and reads its binary from the plugin folder, never the network', () => {
    const { probe, canRun, text: said } = api.probe();
    expect(probe).toMatchObject({ hasWebAssembly: true, hasSimd: !isSimdHidden, hasSharedMemory: isSharedMemoryAvailable });
    expect(canRun).toBe(true);
    expect(said).toMatch(text);
    expect(report.runtimeName).toMatch(name);
    expect(read).toEqual([YUNET, binary]);
    expect(box.fetched).toEqual([]);
  });

  it('finds the faces onnxruntime-node finds, at the same places', () => {
    expect(reference.length).toBeGreaterThan(0);
    expect(report.faces).toHaveLength(reference.length);
    const deviation = Math.max(0, ...report.faces.flatMap((face, i) => face.box.map((v, k) => Math.abs(v - reference[i].box[k]))));
    process.stdout.write(`[uxp-runtime] ${report.runtimeName}: ${report.faces.length} faces, largest box difference to onnxruntime-node ${deviation.toExponential(2)} px\n`);
    report.faces.forEach((face, i) => {
      expect(face.score).toBeCloseTo(reference[i].score, 3);
      face.box.forEach((v, k) => expect(Math.abs(v - reference[i].box[k])).toBeLessThan(0.5));
      face.landmarks.forEach((p, k) => {
        expect(Math.abs(p[0] - reference[i].landmarks[k][0])).toBeLessThan(0.5);
        expect(Math.abs(p[1] - reference[i].landmarks[k][1])).toBeLessThan(0.5);
      });
    });
  });

  it('reports a file that is not an ONNX model as MODEL_LOAD_FAILED, and a missing one as MODEL_NOT_FOUND', async () => {
    const bad = await api.tryLoad(readPluginFile, NOT_ONNX);
    expect(bad).toMatchObject({ name: 'RestoreError', code: 'MODEL_LOAD_FAILED' });
    expect(bad?.message).toContain(`${NOT_ONNX} could not be loaded as an ONNX model`);
    expect(await api.tryLoad(readPluginFile, 'models/absent.onnx')).toMatchObject({ name: 'RestoreError', code: 'MODEL_NOT_FOUND' });
  });

  it('logged no errors', () => {
    expect(box.logs.filter((line) => line.startsWith('error') || line.startsWith('warn'))).toEqual([]);
  });
});

describe('without WebAssembly', () => {
  it('the probe says models cannot run, and loading says so too', async () => {
    expect(describeWasmProbe(probeWasm({}))).toEqual({ canRun: false, text: 'This Photoshop has no WebAssembly, so models cannot run inside the panel.' });
    const box = createUxpSandbox({ isSharedMemoryAvailable: false, modules: UXP_MODULES, hasWebAssembly: false });
    const api = loadPanel(box);
    expect(api.probe()).toMatchObject({ canRun: false, probe: { hasWebAssembly: false } });
    const error = await api.tryLoad(readPluginFile, YUNET);
    expect(error).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect(error?.message).toContain('no WebAssembly');
  });
});

describe('a probe that is wrong about shared memory', () => {
  it('gets a plain MODEL_LOAD_FAILED saying the runtime could not start, not blaming the model', async () => {
    const box = createUxpSandbox({ isSharedMemoryAvailable: false, modules: UXP_MODULES });
    const api = loadPanel(box);
    api.overrideProbe({ hasSharedMemory: true });
    const error = await api.tryLoad(readPluginFile, YUNET);
    expect(error).toMatchObject({ name: 'RestoreError', code: 'MODEL_LOAD_FAILED' });
    expect(error?.message).toMatch(/^onnxruntime-web 1\.30\.\d+ \(wasm SIMD, 1 thread\) could not start in this Photoshop, so models\/yunet-2023mar-640\.onnx was not loaded \(.*shared memory/);
  });
});

describe('readOnnxSignature (the 1.18 path reads declared shapes from the file)', () => {
  const MODELS = ['detection/yunet-2023mar-640.onnx', 'detection/yunet-2023mar-dynamic.onnx', 'detection/retinaface-mobilenet0.25.onnx',
    'detection/scrfd-500m-kps-dynamic.onnx', 'restore/gfpgan-v1.4-arch-random.fp16w.onnx', 'restore/unsharp-512.onnx', 'upscale/realesr-general-x4v3.onnx'];
  const norm = (infos: readonly TensorInfo[]) => infos.map((i) => ({ name: i.name, type: i.type, shape: i.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : '?')) }));

  it.each(MODELS)('agrees with onnxruntime-node about %s', async (file) => {
    const model = await createNodeRuntime().load({ label: file, location: sharedModel(file) });
    const declared = readOnnxSignature(new Uint8Array(fs.readFileSync(sharedModel(file))));
    await model.release();
    expect(declared).toBeDefined();
    expect(norm(model.inputs.map((i) => declared!.inputs.find((d) => d.name === i.name) ?? i))).toEqual(norm(model.inputs));
    // Outputs: onnxruntime-node reports shapes it inferred; the file may declare those dims dynamic. Names, types
    // and every declared size must agree.
    const outputs = norm(declared!.outputs);
    expect(outputs.map(({ name, type }) => ({ name, type }))).toEqual(norm(model.outputs).map(({ name, type }) => ({ name, type })));
    const reported = norm(model.outputs);
    outputs.forEach((o, i) => o.shape.forEach((d, k) => d === '?' || expect(d).toBe(reported[i].shape[k])));
  });

  it('gives up quietly on bytes that are not a model', () => {
    expect(readOnnxSignature(new Uint8Array([0xff, 0xff, 0xff]))).toBeUndefined();
  });
});

describe('createUxpRuntime with a stand-in 1.18 runtime', () => {
  /** A fake `ort` global: sessions take 20 ms, bytes starting with 0 are "not a model"; records concurrency and fetch. */
  function fakeLegacyOrt() {
    const seen = { active: 0, maxActive: 0, isFetchWrapped: [] as boolean[] };
    const originalFetch = globalThis.fetch;
    const ort = {
      env: { wasm: {} as Record<string, unknown>, versions: { common: '1.18.0' } },
      Tensor: class {},
      InferenceSession: {
        async create(bytes: Uint8Array) {
          seen.active++;
          seen.maxActive = Math.max(seen.maxActive, seen.active);
          seen.isFetchWrapped.push(globalThis.fetch !== originalFetch);
          await new Promise((r) => setTimeout(r, 20));
          seen.active--;
          if (bytes[0] === 0) throw new Error('protobuf parsing failed');
          return { inputNames: ['x'], outputNames: ['y'], run: async () => ({}), release: async () => undefined };
        },
      },
    };
    return { ort, seen };
  }

  it('creates sessions one at a time, keeps going after a failure, and restores fetch after the first', async () => {
    const { ort, seen } = fakeLegacyOrt();
    const originalFetch = globalThis.fetch;
    const runtime = createUxpRuntime({
      readPluginFile: async (p) => new Uint8Array([p.includes('bad') ? 0 : 1]),
      probe: { hasWebAssembly: true, hasSimd: false, hasSharedMemory: false },
      legacyOrt: () => ort,
    });
    expect(runtime.name).toBe('onnxruntime-web 1.18.0 (wasm, no shared memory)');
    const results = await Promise.allSettled(['a.onnx', 'bad.onnx', 'c.onnx'].map((p) => runtime.load({ label: p, location: p })));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect(seen.maxActive).toBe(1);
    expect(seen.isFetchWrapped).toEqual([true, false, false]);
    expect(globalThis.fetch).toBe(originalFetch);
    expect(ort.env.wasm).toMatchObject({ numThreads: 1, simd: false, wasmPaths: 'plugin:/vendor/ort-legacy/' });
  });

  it('names a runtime file missing from the plugin folder (either path)', async () => {
    const { ort } = fakeLegacyOrt();
    const readPluginFile = async (p: string): Promise<Uint8Array> => {
      if (p.startsWith('vendor/')) throw new Error(`ENOENT: ${p}`);
      return new Uint8Array([1]);
    };
    const cases = [
      { hasSharedMemory: true, file: 'vendor/ort-wasm-simd-threaded.wasm' },
      { hasSharedMemory: false, file: 'vendor/ort-legacy/ort-wasm-simd.wasm' },
    ];
    for (const { hasSharedMemory, file } of cases) {
      const runtime = createUxpRuntime({ readPluginFile, probe: { hasWebAssembly: true, hasSimd: true, hasSharedMemory }, legacyOrt: () => ort });
      const error = await runtime.load({ label: 'm.onnx', location: 'm.onnx' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'RestoreError', code: 'MODEL_LOAD_FAILED' });
      expect((error as Error).message).toContain(`cannot start: its file ${file} could not be read from the plugin folder`);
    }
  });

  it('says so when the 1.18 script is not loaded', async () => {
    const runtime = createUxpRuntime({ readPluginFile: async () => new Uint8Array([1]), probe: { hasWebAssembly: true, hasSimd: true, hasSharedMemory: false } });
    await expect(runtime.load({ label: 'm.onnx', location: 'm.onnx' })).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: expect.stringContaining('vendor/ort-legacy/ort.wasm-core.min.js) is not loaded'),
    });
  });
});
