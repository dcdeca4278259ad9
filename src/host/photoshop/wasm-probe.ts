/**
 * The start-up check of what this Photoshop's JavaScript engine offers for WebAssembly, and which onnxruntime-web
 * build can run on it (../shared/docs/uxp-platform.md §3, §8). UXP documents none of this, so it is measured, never
 * assumed: onnxruntime-web ≥ 1.19 ships only SIMD + threads binaries, which need SIMD *and* shared wasm memory even
 * with one thread; 1.18's non-threaded `wasm-core` build needs neither.
 */

/** What the engine offers. All false when there is no WebAssembly at all. */
export interface WasmProbe {
  readonly hasWebAssembly: boolean;
  /** WebAssembly SIMD128 (a module using v128 validates). */
  readonly hasSimd: boolean;
  /** `new WebAssembly.Memory({shared: true})` works and gives a SharedArrayBuffer-backed memory. */
  readonly hasSharedMemory: boolean;
  /** A module with a shared memory and an atomic load validates (the threads proposal at compile time). */
  readonly hasThreadsValidate?: boolean;
}

/** Which runtime the probe allows: onnxruntime-web 1.30 (SIMD + shared memory), the 1.18 fallback, or none. */
export type RuntimePath = 'current' | 'legacy' | 'none';

/** The structural slice of the `WebAssembly` namespace the probe touches (kept local: no DOM or Node types needed). */
interface WasmNamespace {
  validate(bytes: Uint8Array): boolean;
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => { readonly buffer: unknown };
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** `(func (result v128) i32.const 0 i32x4.splat)`: invalid without SIMD. */
const SIMD_MODULE = [
  ...HEADER,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b, // code: i32.const 0; i32x4.splat; end
];
/** `(memory 1 1 shared) (func i32.const 0 i32.atomic.load drop)`: invalid without the threads proposal. */
const THREADS_MODULE = [
  ...HEADER,
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
  0x03, 0x02, 0x01, 0x00, // function section
  0x05, 0x04, 0x01, 0x03, 0x01, 0x01, // memory section: flags 3 = shared with maximum, 1..1 pages
  0x0a, 0x0b, 0x01, 0x09, 0x00, 0x41, 0x00, 0xfe, 0x10, 0x02, 0x00, 0x1a, 0x0b, // i32.const 0; i32.atomic.load; drop; end
];

function wasmNamespace(global: object): WasmNamespace | undefined {
  const candidate = (global as { WebAssembly?: unknown }).WebAssembly;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const ns = candidate as Partial<WasmNamespace>;
  return typeof ns.validate === 'function' && typeof ns.Memory === 'function' ? (ns as WasmNamespace) : undefined;
}

function validates(ns: WasmNamespace, bytes: readonly number[]): boolean {
  try {
    return ns.validate(new Uint8Array(bytes)) === true;
  } catch {
    return false;
  }
}

function sharedMemoryWorks(ns: WasmNamespace): boolean {
  try {
    const memory = new ns.Memory({ initial: 1, maximum: 1, shared: true });
    // An engine without threads may ignore `shared`; only a SharedArrayBuffer-backed memory counts. The tag is read
    // from the buffer itself, so it works where the `SharedArrayBuffer` global has been removed.
    return Object.prototype.toString.call(memory.buffer) === '[object SharedArrayBuffer]';
  } catch {
    return false;
  }
}

/**
 * Measures the WebAssembly features of `global` (default: this realm's globalThis). Never throws.
 * @example probeWasm() // { hasWebAssembly: true, hasSimd: true, hasSharedMemory: true, hasThreadsValidate: true }
 */
export function probeWasm(global: object = globalThis): WasmProbe {
  const ns = wasmNamespace(global);
  if (!ns || !validates(ns, HEADER)) return { hasWebAssembly: false, hasSimd: false, hasSharedMemory: false };
  return {
    hasWebAssembly: true,
    hasSimd: validates(ns, SIMD_MODULE),
    hasSharedMemory: sharedMemoryWorks(ns),
    hasThreadsValidate: validates(ns, THREADS_MODULE),
  };
}

/** The runtime a probe allows. 1.30's only binary is SIMD + threads, so it needs both; 1.18 needs plain wasm. */
export function runtimePathFor(probe: WasmProbe): RuntimePath {
  if (!probe.hasWebAssembly) return 'none';
  return probe.hasSimd && probe.hasSharedMemory ? 'current' : 'legacy';
}

/**
 * One plain sentence for the panel: can models run here, and on what.
 * @example describeWasmProbe(probeWasm({})) // { canRun: false, text: 'This Photoshop has no WebAssembly, …' }
 */
export function describeWasmProbe(probe: WasmProbe): { canRun: boolean; text: string } {
  switch (runtimePathFor(probe)) {
    case 'none':
      return { canRun: false, text: 'This Photoshop has no WebAssembly, so models cannot run inside the panel.' };
    case 'current':
      return { canRun: true, text: 'Models run inside the panel on onnxruntime-web 1.30 (WebAssembly with SIMD, one thread).' };
    default: {
      const why = probe.hasSharedMemory ? 'no WebAssembly SIMD' : 'no shared WebAssembly memory';
      const simd = probe.hasSimd ? 'with SIMD' : 'without SIMD';
      return {
        canRun: true,
        text: `This Photoshop has ${why}, so models run inside the panel on the older onnxruntime-web 1.18 (WebAssembly ${simd}, one thread).`,
      };
    }
  }
}
