/**
 * The web page's host of the model manager: the OPFS store (models persist in the browser's storage for this site),
 * downloads over the page's `fetch` (each model server must allow CORS), SHA-256 in JavaScript and the page's timers.
 */
import type { ModelHost, ModelStore } from '../../core/model-host';
import { createFetchTransport, createSha256, systemClock, type FetchLike } from '../panel/fetch-transport';
import { createOpfsModelStore } from './opfs-model-store';

export interface BrowserModelHostOptions {
  /** Default: the page's `fetch`. */
  readonly fetch?: FetchLike;
  /** Warnings for the user (no published checksum, an import that differs from the published file). */
  readonly warn?: (code: string, message: string) => void;
  /** Default: `createOpfsModelStore()`. */
  readonly store?: ModelStore;
}

/**
 * @example
 * const manager = createModelManager({ catalog, host: createBrowserModelHost({ warn: showWarning }) });
 */
export function createBrowserModelHost(options: BrowserModelHostOptions = {}): ModelHost {
  // Bound: a detached `fetch` throws "Illegal invocation" in browsers.
  const fetchFn: FetchLike = options.fetch ?? globalThis.fetch.bind(globalThis);
  return {
    store: options.store ?? createOpfsModelStore(),
    transport: createFetchTransport(fetchFn),
    sha256: createSha256,
    clock: systemClock,
    ...(options.warn ? { warn: options.warn } : {}),
  };
}
