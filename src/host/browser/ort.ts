/**
 * The web page's ModelRuntime: onnxruntime-web on WebAssembly. The only file of the page that loads onnxruntime-web
 * (house rule 3); it loads the package's own ESM build from the page's `vendor/` folder (webpack copies it there) as a
 * real module rather than bundling it, because the multi-threaded wasm starts its pthread workers and its proxy worker
 * from the module's own URL (`import.meta.url`), which a bundle would rewrite.
 *
 * Threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages (COOP + COEP headers, as
 * `npm run demo` sends). Without isolation the page runs on one thread and says how to get more.
 * `proxy` runs every session in a worker, so the page stays responsive (Cancel, progress) while a face is restored.
 */
import type * as OrtWeb from 'onnxruntime-web';
import { RestoreError, describeError, throwIfAborted } from '../../core/errors';
import { WASM_SESSION_OPTIONS, wrapOrtSession, type OrtNamespace } from '../../core/ort-adapter';
import type { LoadedModel, ModelRuntime } from '../../core/runtime';
import type { WebRuntimeInfo } from '../../../ui/web-controller';

/** Files of onnxruntime-web the page serves from `vendor/` (webpack.config.js copies them from the package). */
export const WEB_RUNTIME_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'] as const;

export interface BrowserRuntimeOptions {
  /** Absolute URL of the folder holding WEB_RUNTIME_FILES, ending in '/'. */
  readonly vendorUrl: string;
  readonly threads: number;
  /** Run sessions in onnxruntime-web's worker (default true). */
  readonly proxy?: boolean;
  /** Loads an ES module by URL; default a native dynamic import (tests may substitute). */
  readonly importModule?: (url: string) => Promise<unknown>;
}

export interface ThreadEnvironment {
  readonly isCrossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
  /** `?threads=N` from the page's URL, if given (benchmarks compare 1 thread with all). */
  readonly requested?: number;
}

/**
 * How many wasm threads this page can use, and the sentence that says so. All cores when isolated (onnxruntime-web's
 * own default would take only half of them), one otherwise.
 */
export function planThreads(env: ThreadEnvironment): WebRuntimeInfo {
  const cores = Math.max(1, Math.floor(env.hardwareConcurrency || 1));
  if (!env.isCrossOriginIsolated) {
    return {
      threads: 1,
      isCrossOriginIsolated: false,
      note: 'Runs on 1 thread: this page is not cross-origin isolated, so the browser gives it no shared memory. '
        + `Serve it with the COOP/COEP headers (npm run demo does) to use all ${cores} cores.`,
    };
  }
  const requested = env.requested !== undefined && Number.isInteger(env.requested) && env.requested >= 1 ? Math.min(env.requested, cores) : cores;
  return {
    threads: requested,
    isCrossOriginIsolated: true,
    note: `Runs on ${requested} thread${requested === 1 ? '' : 's'} in this browser${requested < cores ? ` (of ${cores} cores)` : ''}.`,
  };
}

type OrtModule = typeof OrtWeb;

const SESSION_OPTIONS = WASM_SESSION_OPTIONS;

function fail(message: string, cause?: unknown): RestoreError {
  return new RestoreError('MODEL_LOAD_FAILED', message, cause === undefined ? undefined : { cause });
}

const nativeImport = (url: string): Promise<unknown> => import(/* webpackIgnore: true */ url);

/**
 * Creates the page's runtime. Nothing loads until the first `load`; sessions are created one at a time (they
 * compete for the same memory and threads).
 * @throws never; `load` rejects with MODEL_LOAD_FAILED when onnxruntime-web cannot start or the bytes are no model.
 * @example
 * const runtime = createBrowserRuntime({ vendorUrl: new URL('vendor/', document.baseURI).href, threads: 2 });
 */
export function createBrowserRuntime(options: BrowserRuntimeOptions): ModelRuntime {
  const importModule = options.importModule ?? nativeImport;
  const proxy = options.proxy ?? true;
  let ort: Promise<OrtModule> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let version = '';

  const start = (): Promise<OrtModule> => {
    ort ??= (async () => {
      const module = (await importModule(`${options.vendorUrl}${WEB_RUNTIME_FILES[0]}`)) as OrtModule;
      // Process-wide settings, read when the first session starts the wasm.
      module.env.wasm.wasmPaths = options.vendorUrl;
      module.env.wasm.numThreads = options.threads;
      module.env.wasm.proxy = proxy;
      version = module.env.versions?.web ?? '';
      return module;
    })().catch((error: unknown) => {
      ort = undefined;
      throw fail(`onnxruntime-web could not be loaded from ${options.vendorUrl} (${describeError(error)}); reload the page`, error);
    });
    return ort;
  };

  const create = async (label: string, bytes: Uint8Array): Promise<LoadedModel> => {
    const module = await start();
    return wrapOrtSession(module as unknown as OrtNamespace, { label, location: bytes }, SESSION_OPTIONS);
  };

  return {
    get name() {
      const how = [`wasm, ${options.threads} thread${options.threads === 1 ? '' : 's'}`, ...(proxy ? ['in a worker'] : [])].join(', ');
      return `${['onnxruntime-web', version].filter(Boolean).join(' ')} (${how})`;
    },
    load(source, loadOptions = {}) {
      const run = queue.then(async () => {
        throwIfAborted(loadOptions.signal);
        if (typeof source.location === 'string') throw fail(`${source.label}: the page loads models as bytes, not from ${source.location}`);
        return create(source.label, source.location);
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
