/**
 * The panel's ModelRuntime: onnxruntime-web on WebAssembly, one thread, no Worker, no network, every file read from
 * the plugin folder. The only file that imports onnxruntime-web (house rule 3); it never imports onnxruntime-node.
 *
 * Two paths, picked by the start-up probe (wasm-probe.ts; ../shared/docs/uxp-platform.md §3.2, §8):
 * - current: onnxruntime-web 1.30, bundle build (webpack aliases `onnxruntime-web` to `ort.wasm.bundle.min.mjs`, whose
 *   Emscripten glue is embedded, so no dynamic import). Its only binary is SIMD + threads, so it needs shared wasm
 *   memory even with one thread. The binary comes from `env.wasm.wasmBinary`; with that and `numThreads = 1` ORT takes
 *   the embedded glue and never computes or fetches a URL.
 * - legacy: onnxruntime-web 1.18's non-threaded `ort.wasm-core.min.js`, loaded by index.html as its own script (global
 *   `ort`). 1.18 has no `wasmBinary`; its glue fetches `wasmPaths + file name`, so `wasmPaths` is a `plugin:/` prefix
 *   and, while the engine starts, `fetch` answers exactly those URLs from the plugin folder (other URLs pass through).
 */
import * as ort from 'onnxruntime-web';
import { RestoreError, describeError, throwIfAborted, type AbortSignalLike } from '../../core/errors';
import { WASM_SESSION_OPTIONS, wrapOrtSession, type OrtNamespace } from '../../core/ort-adapter';
import type { LoadedModel, ModelRuntime, ModelSource, TensorInfo } from '../../core/runtime';
import { readOnnxSignature } from '../../core/onnx-signature';
import { describeWasmProbe, runtimePathFor, type WasmProbe } from './wasm-probe';

/** Plugin-folder paths of the runtime's own files (scripts/uxp-webpack.js `uxpVendorFiles` copies them there). */
export const UXP_RUNTIME_FILES = {
  wasm: 'vendor/ort-wasm-simd-threaded.wasm',
  legacyScript: 'vendor/ort-legacy/ort.wasm-core.min.js',
  legacyFolder: 'vendor/ort-legacy/',
  legacyBinaries: ['ort-wasm-simd.wasm', 'ort-wasm.wasm'],
} as const;

/** The URL prefix handed to 1.18 as `wasmPaths`; it is also the real UXP URL of that folder. */
const LEGACY_URL_PREFIX = `plugin:/${UXP_RUNTIME_FILES.legacyFolder}`;
const SESSION_OPTIONS = WASM_SESSION_OPTIONS;

export interface UxpRuntimeDeps {
  /** Reads a file of the plugin folder, e.g. "vendor/ort-wasm-simd-threaded.wasm" (UXP: `fs.readFile('plugin:/…')`). */
  readPluginFile(relativePath: string): Promise<Uint8Array>;
  /** The start-up probe; it picks the path. */
  readonly probe: WasmProbe;
  /** Returns the global `ort` of the 1.18 script (needed only without shared memory). */
  legacyOrt?: () => unknown;
}

/** One onnxruntime-web build, made ready for sessions. */
interface Engine {
  readonly name: string;
  /** Prepares `env` and returns the namespace; `firstSession` wraps the session creation that starts the wasm. */
  start(): Promise<{ api: OrtNamespace; firstSession?: <T>(create: () => Promise<T>) => Promise<T> }>;
}

interface OrtEnvWasm {
  numThreads?: number;
  simd?: boolean;
  proxy?: boolean;
  wasmPaths?: unknown;
  wasmBinary?: unknown;
}

interface LegacyOrt extends OrtNamespace {
  readonly env: { readonly wasm: OrtEnvWasm; readonly versions?: { readonly web?: string; readonly common?: string } };
}

type FetchLike = (input: unknown, init?: unknown) => Promise<unknown>;

function fail(message: string, cause?: unknown): RestoreError {
  return new RestoreError('MODEL_LOAD_FAILED', message, cause === undefined ? undefined : { cause });
}

/** Bytes as a Uint8Array of this realm: onnxruntime-web checks `instanceof Uint8Array` (no copy, just a view). */
function ownRealmBytes(bytes: Uint8Array): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  const view = bytes as { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

async function readRuntimeFile(deps: UxpRuntimeDeps, relativePath: string, engineName: string): Promise<Uint8Array> {
  try {
    return ownRealmBytes(await deps.readPluginFile(relativePath));
  } catch (error) {
    throw fail(`${engineName} cannot start: its file ${relativePath} could not be read from the plugin folder (${describeError(error)}); reinstall the plugin`, error);
  }
}

function currentEngine(deps: UxpRuntimeDeps): Engine {
  const name = `onnxruntime-web ${ort.env.versions?.web ?? ''} (wasm SIMD, 1 thread)`;
  return {
    name,
    async start() {
      // Process-wide settings, read by ORT when the first session starts the wasm.
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      delete ort.env.wasm.wasmPaths;
      ort.env.wasm.wasmBinary = await readRuntimeFile(deps, UXP_RUNTIME_FILES.wasm, name);
      return { api: ort as unknown as OrtNamespace };
    },
  };
}

function asLegacyOrt(value: unknown): LegacyOrt | undefined {
  const v = value as Partial<LegacyOrt> | undefined;
  const ok = typeof v === 'object' && v !== null && typeof v.env?.wasm === 'object'
    && typeof v.InferenceSession?.create === 'function' && typeof v.Tensor === 'function';
  return ok ? (v as LegacyOrt) : undefined;
}

/** A `fetch` that serves the 1.18 binaries through `binary` and hands every other request to `original`. */
function pluginFetch(binary: (file: string) => Promise<Uint8Array>, global: { Response?: unknown }, original: FetchLike | undefined): FetchLike {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : String((input as { url?: unknown } | null)?.url ?? '');
    const file = url.startsWith(LEGACY_URL_PREFIX) ? url.slice(LEGACY_URL_PREFIX.length) : undefined;
    if (file === undefined) {
      if (original) return original(input, init);
      throw new TypeError(`fetch is not available here (requested ${url})`);
    }
    if (!(UXP_RUNTIME_FILES.legacyBinaries as readonly string[]).includes(file)) {
      throw new TypeError(`${url} is not a file of the fallback runtime`);
    }
    const bytes = await binary(file);
    // A real Response lets the glue compile while streaming; without one it falls back to arrayBuffer().
    const ResponseClass = global.Response as (new (body: Uint8Array, init: object) => unknown) | undefined;
    if (typeof ResponseClass === 'function') {
      return new ResponseClass(bytes, { status: 200, headers: { 'Content-Type': 'application/wasm' } });
    }
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return { ok: true, status: 200, url, arrayBuffer: () => Promise.resolve(buffer) };
  };
}

function legacyEngine(deps: UxpRuntimeDeps): Engine {
  const found = asLegacyOrt(deps.legacyOrt?.());
  const version = found?.env.versions?.web ?? found?.env.versions?.common ?? '1.18';
  const name = `onnxruntime-web ${version} (wasm${deps.probe.hasSimd ? ' SIMD' : ''}, no shared memory)`;
  return {
    name,
    async start() {
      const legacy = asLegacyOrt(deps.legacyOrt?.());
      if (!legacy) {
        throw fail(`This Photoshop has no shared WebAssembly memory, and the fallback runtime (${UXP_RUNTIME_FILES.legacyScript}) is not loaded; index.html must load it before the panel script`);
      }
      legacy.env.wasm.numThreads = 1;
      legacy.env.wasm.simd = deps.probe.hasSimd;
      legacy.env.wasm.proxy = false;
      legacy.env.wasm.wasmPaths = LEGACY_URL_PREFIX;
      const binaries = new Map<string, Promise<Uint8Array>>();
      const binary = (file: string): Promise<Uint8Array> => {
        const known = binaries.get(file);
        if (known) return known;
        const read = readRuntimeFile(deps, UXP_RUNTIME_FILES.legacyFolder + file, name);
        binaries.set(file, read);
        return read;
      };
      // Read now the binary 1.18 will ask for: a missing file is then reported as such, not as the glue's vague abort.
      await binary(deps.probe.hasSimd ? 'ort-wasm-simd.wasm' : 'ort-wasm.wasm');
      const global = globalThis as { fetch?: FetchLike; Response?: unknown };
      // The glue fetches its binary once, while the first session starts; `fetch` is wrapped only for that time.
      const firstSession = async <T>(create: () => Promise<T>): Promise<T> => {
        const original = global.fetch;
        global.fetch = pluginFetch(binary, global, original ? original.bind(globalThis) : undefined);
        try {
          return await create();
        } finally {
          if (original) global.fetch = original;
          else delete global.fetch;
          binaries.clear();
        }
      };
      return { api: legacy, firstSession };
    },
  };
}

/**
 * Both ORT builds' wasm clocks call `performance.now()`, which UXP does not document; give them a Date-based one only
 * where it is missing (the sandbox test has none).
 */
function ensureClock(): void {
  const global = globalThis as { performance?: { now?: unknown } };
  if (typeof global.performance?.now === 'function') return;
  const origin = Date.now();
  global.performance = { timeOrigin: origin, now: () => Date.now() - origin } as { now: () => number };
}

/** Fills in declared inputs/outputs from the model file when the runtime reports names only (1.18). */
function withDeclaredSignature(model: LoadedModel, bytes: Uint8Array): LoadedModel {
  if ([...model.inputs, ...model.outputs].some((info) => info.type !== 'unknown')) return model;
  const declared = readOnnxSignature(bytes);
  if (!declared) return model;
  const fill = (reported: readonly TensorInfo[], list: readonly TensorInfo[]): TensorInfo[] =>
    reported.map((info) => list.find((d) => d.name === info.name) ?? info);
  return {
    inputs: fill(model.inputs, declared.inputs),
    outputs: fill(model.outputs, declared.outputs),
    run: (feeds) => model.run(feeds),
    release: () => model.release(),
  };
}

/** Rewords a failure to start the wasm backend: the model file is not at fault then. */
function explainStartFailure(error: unknown, engineName: string, label: string): unknown {
  const cause = error instanceof RestoreError ? (error as { cause?: unknown }).cause : error;
  const detail = describeError(cause);
  if (!/no available backend|initializeWebAssembly|WebAssembly backend/i.test(detail)) return error;
  return fail(`${engineName} could not start in this Photoshop, so ${label} was not loaded (${detail})`, cause);
}

/**
 * Creates the panel's runtime. Nothing is read or started until the first `load`; sessions are created one at a
 * time. Models come as plugin-relative paths (read with `readPluginFile`) or as bytes.
 * @throws never; `load` rejects with RestoreError MODEL_NOT_FOUND (model file unreadable) or MODEL_LOAD_FAILED
 *   (not an ONNX model, runtime files missing, the engine cannot start, or no WebAssembly at all).
 * @example
 * const runtime = createUxpRuntime({ readPluginFile, probe: probeWasm(), legacyOrt: () => globalThis.ort });
 * const model = await runtime.load({ label: 'yunet.onnx', location: 'models/yunet.onnx' });
 */
export function createUxpRuntime(deps: UxpRuntimeDeps): ModelRuntime {
  const path = runtimePathFor(deps.probe);
  const engine: Engine | undefined = path === 'current' ? currentEngine(deps) : path === 'legacy' ? legacyEngine(deps) : undefined;
  let started: ReturnType<Engine['start']> | undefined;
  let hasSession = false;
  let queue: Promise<unknown> = Promise.resolve();

  const createSession = async (source: ModelSource, signal?: AbortSignalLike): Promise<LoadedModel> => {
    if (!engine) throw fail(`${describeWasmProbe(deps.probe).text} (${source.label} was not loaded)`);
    throwIfAborted(signal);
    let bytes: Uint8Array;
    if (typeof source.location === 'string') {
      try {
        bytes = ownRealmBytes(await deps.readPluginFile(source.location));
      } catch (error) {
        throw new RestoreError('MODEL_NOT_FOUND', `${source.label} could not be read from the plugin folder at ${source.location} (${describeError(error)})`, { cause: error });
      }
    } else {
      bytes = ownRealmBytes(source.location);
    }
    throwIfAborted(signal);
    if (!started) {
      ensureClock();
      started = engine.start();
      started.catch(() => { started = undefined; });
    }
    const { api, firstSession } = await started;
    const create = (): Promise<LoadedModel> => wrapOrtSession(api, { label: source.label, location: bytes }, SESSION_OPTIONS);
    try {
      const model = !hasSession && firstSession ? await firstSession(create) : await create();
      hasSession = true;
      return withDeclaredSignature(model, bytes);
    } catch (error) {
      throw explainStartFailure(error, engine.name, source.label);
    }
  };

  return {
    name: engine?.name ?? 'none (no WebAssembly)',
    load(source, options = {}) {
      // Serialised: ORT initialises its wasm once, and two sessions compiling at once would only compete for memory.
      const run = queue.then(() => createSession(source, options.signal));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
