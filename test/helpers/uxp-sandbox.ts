/**
 * A `vm` realm imitating the JavaScript limits of a UXP panel (../shared/docs/uxp-platform.md §3, §8), to run bundles
 * as Photoshop would load them from index.html: scripts in order, one shared global.
 *
 * What it has: the language's own globals (a fresh realm, so typed arrays are *not* the test's), `WebAssembly`,
 * `window` (= the global, as in UXP), `require` for UXP's own modules only, `console`, timers, `queueMicrotask`,
 * and what UXP's global-members reference documents and the runtimes touch: `fetch` (answers nothing: no network
 * permission), `Response`, `Blob`, `AbortController`/`AbortSignal`. Optionally DOM globals from a jsdom window.
 * What it lacks: `Worker`, `SharedArrayBuffer`, `MessageChannel`, `process`, `Buffer`, dynamic `import()`, `URL`,
 * `TextEncoder`/`TextDecoder`, `performance`, `location` (none documented for UXP; `window.location` is listed as
 * unsupported), and — when `isSharedMemoryAvailable` is false — shared wasm memory.
 */
import * as vm from 'vm';

export type UxpModuleName = 'photoshop' | 'uxp' | 'fs' | 'os';

export interface UxpSandboxOptions {
  /** False imitates an engine without wasm threads: `new WebAssembly.Memory({shared: true})` throws. */
  readonly isSharedMemoryAvailable: boolean;
  /** What `require(name)` returns for UXP's own modules. */
  readonly modules: Readonly<Record<UxpModuleName, unknown>>;
  /** A jsdom window whose DOM globals (document, HTMLElement, customElements, …) the realm gets. */
  readonly window?: object;
  /** False removes `WebAssembly` altogether. Default true. */
  readonly hasWebAssembly?: boolean;
}

export interface UxpSandbox {
  readonly context: vm.Context;
  /** Everything the realm wrote to `console`, in order, as "level: text". */
  readonly logs: string[];
  /** URLs the realm asked the (offline) global `fetch` for. */
  readonly fetched: string[];
  /** Runs a classic script in the realm (no dynamic-import callback, so `import()` rejects). */
  runScript(code: string, filename: string): unknown;
}

/** DOM globals copied from a jsdom window; `location` is left out on purpose (UXP lists it as unsupported). */
const DOM_GLOBALS = [
  'document', 'Document', 'navigator', 'Node', 'Element', 'HTMLElement', 'HTMLTemplateElement', 'DocumentFragment', 'ShadowRoot',
  'customElements', 'Event', 'CustomEvent', 'EventTarget', 'MutationObserver', 'TreeWalker', 'NodeFilter', 'getComputedStyle',
];

/** Replaces `WebAssembly.Memory` by one that refuses shared memory, as an engine without wasm threads does (§8). */
const WITHOUT_SHARED_MEMORY = `(() => {
  const native = globalThis.WebAssembly;
  const NativeMemory = native.Memory;
  function Memory(descriptor) {
    if (!new.target) throw new TypeError("WebAssembly.Memory must be invoked with 'new'");
    if (descriptor && descriptor.shared) throw new TypeError('WebAssembly.Memory(): shared memory needs WebAssembly threads, which this engine does not support');
    return new NativeMemory(descriptor);
  }
  Memory.prototype = NativeMemory.prototype;
  const wasm = Object.create(Object.getPrototypeOf(native), Object.getOwnPropertyDescriptors(native));
  Object.defineProperty(wasm, 'Memory', { value: Memory, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(globalThis, 'WebAssembly', { value: wasm, writable: true, configurable: true, enumerable: false });
})();`;

function format(args: unknown[]): string {
  return args.map((a) => (a instanceof Error || (typeof a === 'object' && a !== null && 'stack' in a) ? String((a as Error).stack ?? a) : String(a))).join(' ');
}

function uxpRequire(modules: UxpSandboxOptions['modules']): (name: string) => unknown {
  return (name: string) => {
    if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name as UxpModuleName];
    const error = new Error(`Cannot find module '${name}'`) as Error & { code: string };
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  };
}

/** Records and refuses every request: the plugin declares no network permission. */
function offlineFetch(fetched: string[]): (input: unknown) => Promise<never> {
  return (input) => {
    const url = typeof input === 'string' ? input : String((input as { url?: unknown })?.url);
    fetched.push(url);
    return Promise.reject(new TypeError(`Network request failed: ${url} (the plugin has no network permission)`));
  };
}

/**
 * Creates the realm.
 * @example
 * const box = createUxpSandbox({ isSharedMemoryAvailable: false, modules: { photoshop: {}, uxp: {}, fs: {}, os: {} } });
 * box.runScript(legacyOrtText, 'ort.wasm-core.min.js');
 * box.runScript(bundleText, 'index.js');
 */
export function createUxpSandbox(options: UxpSandboxOptions): UxpSandbox {
  const logs: string[] = [];
  const fetched: string[] = [];
  const log = (level: string) => (...args: unknown[]): void => {
    logs.push(`${level}: ${format(args)}`);
  };
  const console = { log: log('log'), info: log('info'), debug: log('debug'), warn: log('warn'), error: log('error'), trace: log('trace') };
  const context = vm.createContext({
    console,
    require: uxpRequire(options.modules),
    setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask,
    fetch: offlineFetch(fetched),
    Response, Blob, AbortController, AbortSignal,
  }, { name: 'uxp-sandbox', codeGeneration: { strings: false, wasm: true } });
  const setup = [
    'globalThis.window = globalThis;',
    // A vm realm has these language-level globals; UXP documents none of them.
    'delete globalThis.SharedArrayBuffer;',
    options.isSharedMemoryAvailable ? '' : WITHOUT_SHARED_MEMORY,
    options.hasWebAssembly === false ? 'delete globalThis.WebAssembly;' : '',
  ].join('\n');
  vm.runInContext(setup, context, { filename: 'uxp-sandbox-setup.js' });

  if (options.window) {
    const source = options.window as Record<string, unknown>;
    for (const name of DOM_GLOBALS) {
      if (source[name] !== undefined) context[name] = source[name];
    }
  }

  return {
    context,
    logs,
    fetched,
    runScript(code: string, filename: string): unknown {
      // No importModuleDynamically: V8 then rejects every import() (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
      return new vm.Script(code, { filename }).runInContext(context);
    },
  };
}
