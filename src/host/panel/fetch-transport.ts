/**
 * Model downloads over `fetch`, shared by the hosts that have one (the Photoshop panel and the web page): an
 * HttpTransport for the engine's model manager (src/core/model-host.ts), a pure-JS SHA-256 and the timers clock.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { AbortError } from '../../core/errors';
import type { FetchLike as ServerFetch } from '../../core/kserve/remote-runtime';
import type { Clock, HttpResponse, HttpTransport, Sha256 } from '../../core/model-host';
import { platformSignal } from './abort-source';

/** The part of a fetch body reader the transport uses (WHATWG ReadableStreamDefaultReader). */
interface BodyReader {
  read(): Promise<{ done: boolean; value?: ArrayBufferView | ArrayBuffer }>;
  cancel(reason?: unknown): Promise<void>;
}

/** The part of a fetch Response the transport uses. */
export interface FetchResponseLike {
  readonly status: number;
  /** The final URL after the redirects fetch followed. */
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly body?: { getReader?(): BodyReader } | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** `fetch` as the transport calls it (WHATWG fetch; in UXP: DOCS uxp-api/reference-js/Global Members/Data Transfers/fetch.md). */
export type FetchLike = (url: string, init: {
  method: 'GET';
  headers: Record<string, string>;
  redirect: 'follow';
  credentials: 'omit';
  signal?: AbortSignal;
}) => Promise<FetchResponseLike>;

/** While a platform buffers a whole body (no streaming), an empty chunk this often keeps the download's idle timer alive. */
const HEARTBEAT_MS = 5000;

function asBytes(value: ArrayBufferView | ArrayBuffer): Uint8Array {
  // Byte views from another realm fail `instanceof`: rebuild from the buffer.
  return ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
}

/**
 * An HttpTransport over `fetch`. fetch follows redirects itself, so `url` is the final one; the manifest must list
 * every host on the way (manifest.json requiredPermissions.network.domains); a browser needs CORS from each.
 * @example
 * const transport = createFetchTransport(window.fetch.bind(window));
 */
export function createFetchTransport(fetchFn: FetchLike): HttpTransport {
  return {
    async get(url, { headers, signal }) {
      if (signal.aborted) throw new AbortError('The download was cancelled');
      // UXP declares AbortController (cc-ext-uxp-types) but its effect on a running fetch is UNVERIFIED; where it is
      // missing, cancel() still stops reading the body.
      const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
      let reader: BodyReader | undefined;
      let isCancelled = false;
      const cancel = (): void => {
        if (isCancelled) return;
        isCancelled = true;
        signal.removeEventListener?.('abort', cancel);
        controller?.abort();
        reader?.cancel().catch(() => undefined);
      };
      signal.addEventListener?.('abort', cancel, { once: true });
      let response: FetchResponseLike;
      try {
        response = await fetchFn(url, { method: 'GET', headers: { ...headers }, redirect: 'follow', credentials: 'omit', ...(controller ? { signal: controller.signal } : {}) });
      } catch (error) {
        cancel();
        throw signal.aborted ? new AbortError('The download was cancelled', { cause: error }) : error;
      }
      async function* chunks(): AsyncGenerator<Uint8Array> {
        const body = response.body;
        if (body && typeof body.getReader === 'function') {
          reader = body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            if (value && value.byteLength > 0) yield asBytes(value);
          }
        }
        // Whether UXP's fetch streams bodies is UNVERIFIED; without a reader the body arrives in one piece. Empty
        // chunks meanwhile tell the manager the transfer is alive (progress then jumps from 0 to done at the end).
        const whole = response.arrayBuffer().then((buffer) => ({ buffer }));
        for (;;) {
          let stop: (() => void) | undefined;
          const beat = new Promise<undefined>((resolve) => {
            const timer = setTimeout(() => resolve(undefined), HEARTBEAT_MS);
            stop = () => clearTimeout(timer);
          });
          const next = await Promise.race([whole, beat]).finally(() => stop?.());
          if (next) {
            yield new Uint8Array(next.buffer);
            return;
          }
          yield new Uint8Array(0);
        }
      }
      const result: HttpResponse = {
        status: response.status,
        url: response.url || url,
        header: (name) => response.headers.get(name) ?? undefined,
        body: chunks(),
        cancel,
      };
      return result;
    },
  };
}

/** SHA-256 in plain JavaScript (@noble/hashes): UXP documents no SubtleCrypto digest, and SubtleCrypto cannot hash a stream. */
export function createSha256(): Sha256 {
  const hash = sha256.create();
  return {
    update(bytes) {
      hash.update(bytes);
    },
    digest: () => bytesToHex(hash.digest()),
  };
}

/** Date.now and setTimeout, the timers every UXP panel and page has. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/**
 * Inference-server requests over the host's `fetch` (UXP's takes a TypedArray body, DOCS Data Transfers/fetch.md):
 * no cookies, the token only in the Authorization header, the run's signal followed where the host can abort.
 */
export function createServerFetch(fetchFn: typeof fetch): ServerFetch {
  return (url, init) => {
    const linked = platformSignal(init.signal);
    return fetchFn(url, {
      method: init.method,
      headers: init.headers,
      credentials: 'omit',
      ...(init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {}),
      ...(linked.signal ? { signal: linked.signal } : {}),
    }).finally(linked.release);
  };
}
