/**
 * What the plugin injects into the engine's model manager (src/core/model-host.ts): the data-folder store, an HTTP
 * transport over `fetch`, a pure-JS SHA-256 and the host's clock. Downloads run outside `executeAsModal` (they do
 * not touch a document), so Photoshop stays usable while a model arrives.
 */
import type { Clock, ModelHost } from '../../core/model-host';
import { createFetchTransport, createSha256, systemClock, type FetchLike } from '../panel/fetch-transport';
import type { UxpFs } from './ps-api';
import { createUxpModelStore } from './uxp-model-store';

export type { FetchLike, FetchResponseLike } from '../panel/fetch-transport';

export interface UxpModelHostOptions {
  readonly fs: UxpFs;
  /** The models folder's path on disk, for messages. */
  readonly location: string;
  /** Absent: downloads are refused (the manager says to put the file into the folder instead). */
  readonly fetch?: FetchLike;
  readonly warn?: (code: string, message: string) => void;
  readonly clock?: Clock;
}

/**
 * The ModelHost of the plugin.
 * @example
 * const host = createUxpModelHost({ fs: ps.fs, location: '/Users/me/…/models', fetch: window.fetch.bind(window) });
 */
export function createUxpModelHost(options: UxpModelHostOptions): ModelHost {
  return {
    store: createUxpModelStore({ fs: options.fs, location: options.location }),
    ...(options.fetch ? { transport: createFetchTransport(options.fetch) } : {}),
    sha256: createSha256,
    clock: options.clock ?? systemClock,
    ...(options.warn ? { warn: options.warn } : {}),
  };
}

