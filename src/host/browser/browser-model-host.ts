/**
 * The web page's host of the model manager: the OPFS store (models persist in the browser's storage for this site),
 * downloads over the page's `fetch` (each model server must allow CORS), SHA-256 in JavaScript and the page's timers.
 */
import { RestoreError } from '../../core/errors';
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

const hostOf = (url: string): string => /^[a-z]+:\/\/([^/:?#]+)/i.exec(url)?.[1] ?? url;

/**
 * `fetch` rejects with a bare TypeError ("Failed to fetch") both when the computer is offline and when the server
 * does not allow web pages to download from it (CORS), which is the case of GitHub's release downloads. Offline is
 * worth retrying (the manager does, then asks whether the computer is online); a refusal is not, and the user needs to
 * hear what to do instead.
 */
function explainFetchFailures(fetchFn: FetchLike, isOnline: () => boolean): FetchLike {
  return async (url, init) => {
    try {
      return await fetchFn(url, init);
    } catch (error) {
      if (!(error instanceof TypeError) || init.signal?.aborted) throw error;
      if (!isOnline()) throw Object.assign(new Error(`${hostOf(url)} could not be reached`), { code: 'ENETDOWN', cause: error });
      throw new RestoreError('NETWORK_ERROR', `This page may not download from ${hostOf(url)}: browsers allow it only from servers that permit web pages (CORS), and GitHub's release downloads do not. `
        + 'Download the model once with `npx facerestore models pull` and serve it with `npm run demo -- --models-dir <that folder>`, or import the .onnx file', { cause: error });
    }
  };
}

/**
 * @example
 * const manager = createModelManager({ catalog, host: createBrowserModelHost({ warn: showWarning }) });
 */
export function createBrowserModelHost(options: BrowserModelHostOptions = {}): ModelHost {
  // Bound: a detached `fetch` throws "Illegal invocation" in browsers.
  const fetchFn = explainFetchFailures(options.fetch ?? globalThis.fetch.bind(globalThis), () => globalThis.navigator?.onLine !== false);
  return {
    store: options.store ?? createOpfsModelStore(),
    transport: createFetchTransport(fetchFn),
    sha256: createSha256,
    clock: systemClock,
    ...(options.warn ? { warn: options.warn } : {}),
  };
}
