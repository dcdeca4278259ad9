/**
 * A ModelRuntime that runs models on a KServe v2 server (`facerestore serve`, Triton, KServe, MLServer, OVMS) by
 * catalog id. The engine does not notice the difference: detection, alignment and paste-back stay local, only
 * `session.run` crosses the network. HTTP goes through an injected `fetch` (Node's, the page's, UXP's), timers
 * through the host's Clock.
 */
import type { Clock } from '../model-host';
import { AbortError, RestoreError, throwIfAborted, type AbortSignalLike } from '../errors';
import type { LoadedModel, ModelRuntime, ModelSource, Tensor } from '../runtime';
import { decodeUtf8 } from '../utf8';
import {
  BINARY_EXTENSION, HEADER_LENGTH, decodeInferResponse, encodeInferRequest, errorMessageOf, toTensorInfo,
  type KsModelMetadata, type KsServerMetadata,
} from './protocol';

export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * The slice of WHATWG fetch the client needs. Network failures reject; HTTP errors resolve with their status.
 * `signal` is the run's, which need not be the platform's AbortSignal: an adapter links it to its own (or drops it
 * where there is no AbortController; the client stops waiting on a cancel either way).
 */
export type FetchLike = (
  url: string,
  init: { readonly method: 'GET' | 'POST'; readonly headers: Readonly<Record<string, string>>; readonly body?: Uint8Array; readonly signal?: AbortSignalLike },
) => Promise<FetchResponseLike>;

export interface RemoteRuntimeOptions {
  /** The server's base URL, e.g. http://127.0.0.1:8000 (a path prefix such as https://host/kserve is kept). */
  readonly url: string;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** 'auto' (default) uses binary tensors when the server lists the extension. */
  readonly transport?: 'auto' | 'binary' | 'json';
  /** Longest wait for one answer, ms (default 120 000: a queued face on a busy server). */
  readonly timeoutMs?: number;
  /** Total time to keep retrying while the server answers 503 busy, ms (default 300 000). */
  readonly busyWaitMs?: number;
}

/** What a connection test found. */
export interface ServerReport {
  readonly url: string;
  readonly server: string;
  readonly binary: boolean;
  /** Round trip of the readiness probe, ms. */
  readonly latencyMs: number;
  /** For each model id asked about: ready on the server or not. */
  readonly models: Readonly<Record<string, boolean>>;
}

export interface RemoteRuntime extends ModelRuntime {
  readonly url: string;
  /** Checks the server (live, ready, metadata) and which of `modelIds` it serves ready. */
  test(modelIds: readonly string[], signal?: AbortSignalLike): Promise<ServerReport>;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_BUSY_WAIT_MS = 300_000;

/** Checks and normalises a server URL: http(s), no credentials, no query; trailing slashes dropped. */
export function normaliseServerUrl(raw: string): string {
  const url = raw.trim().replace(/\/+$/, '');
  const m = /^(https?):\/\/([^/?#@\s]+)(\/[^?#\s]*)?$/i.exec(url);
  if (!m) {
    throw new RestoreError('INVALID_OPTION', `Expected a server URL such as http://127.0.0.1:8000 but received ${JSON.stringify(raw)} (http or https, no user name, query or fragment)`);
  }
  return url;
}

export function createRemoteRuntime(options: RemoteRuntimeOptions): RemoteRuntime {
  const base = normaliseServerUrl(options.url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const busyWaitMs = options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS;
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  let binarySupport: Promise<boolean> | undefined;

  /**
   * One HTTP exchange with a timeout; network failures become SERVER_UNREACHABLE, a cancel an AbortError. A request
   * that fails on the wire is sent once more on a fresh connection: a kept-alive socket the server closed while idle
   * fails the first write (EPIPE, ECONNRESET) although the server is fine, and a model run is safe to repeat.
   */
  async function exchange(method: 'GET' | 'POST', path: string, body: { bytes: Uint8Array; headers: Readonly<Record<string, string>> } | undefined, signal?: AbortSignalLike) {
    try {
      return await exchangeOnce(method, path, body, signal);
    } catch (error) {
      if (!(error instanceof RestoreError) || error.code !== 'SERVER_UNREACHABLE' || error.message.includes('did not answer')) throw error;
      return exchangeOnce(method, path, body, signal);
    }
  }

  async function exchangeOnce(method: 'GET' | 'POST', path: string, body: { bytes: Uint8Array; headers: Readonly<Record<string, string>> } | undefined, signal?: AbortSignalLike) {
    throwIfAborted(signal);
    const url = `${base}${path}`;
    let cancelTimer = (): void => undefined;
    let stopListening = (): void => undefined;
    // Either ends the wait: the timeout, or a cancel (at once, even where fetch cannot take the caller's signal).
    const stopped = new Promise<never>((_, reject) => {
      cancelTimer = options.clock.setTimer(() => reject(new RestoreError('SERVER_UNREACHABLE', `The inference server at ${base} did not answer ${method} ${path} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const onAbort = (): void => reject(new AbortError('The operation was cancelled', { cause: signal?.reason }));
      signal?.addEventListener?.('abort', onAbort, { once: true });
      stopListening = () => signal?.removeEventListener?.('abort', onAbort);
    });
    try {
      const response = await Promise.race([
        options.fetch(url, { method, headers: { ...auth, ...(body?.headers ?? {}) }, ...(body ? { body: body.bytes } : {}), ...(signal ? { signal } : {}) }),
        stopped,
      ]);
      const bytes = new Uint8Array(await Promise.race([response.arrayBuffer(), stopped]));
      return { status: response.status, header: (name: string) => response.headers.get(name) ?? undefined, bytes };
    } catch (error) {
      if (signal?.aborted) throw new AbortError('The operation was cancelled', { cause: signal.reason });
      if (error instanceof RestoreError) throw error;
      const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new RestoreError('SERVER_UNREACHABLE', `The inference server at ${base} cannot be reached or stopped answering (${detail}); check that it is running`, { cause: error });
    } finally {
      cancelTimer();
      stopListening();
    }
  }

  function refused(status: number, bytes: Uint8Array, what: string): RestoreError {
    const why = errorMessageOf(bytes);
    const hint = status === 401 ? ': check the access token' : status === 404 ? ': the server does not serve it (see its model list)' : '';
    return new RestoreError('SERVER_REFUSED', `The inference server at ${base} refused ${what} (HTTP ${status}: ${why})${hint}`);
  }

  async function getJson<T>(path: string, what: string, signal?: AbortSignalLike): Promise<T> {
    const r = await exchange('GET', path, undefined, signal);
    if (r.status !== 200) throw refused(r.status, r.bytes, what);
    try {
      return JSON.parse(decodeUtf8(r.bytes)) as T;
    } catch {
      throw new RestoreError('PROTOCOL_ERROR', `The inference server at ${base} answered ${what} with something that is not JSON; is ${base} a KServe v2 server?`);
    }
  }

  function usesBinary(signal?: AbortSignalLike): Promise<boolean> {
    if (options.transport === 'binary') return Promise.resolve(true);
    if (options.transport === 'json') return Promise.resolve(false);
    binarySupport ??= getJson<KsServerMetadata>('/v2', 'its metadata', signal).then(
      (m) => Array.isArray(m.extensions) && m.extensions.includes(BINARY_EXTENSION),
      (error: unknown) => {
        binarySupport = undefined; // a failed probe is retried next time
        throw error;
      },
    );
    return binarySupport;
  }

  /** Waits `ms` on the host clock, or until `signal` fires. */
  function sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        cancel();
        reject(new AbortError('The operation was cancelled', { cause: signal?.reason }));
      };
      const cancel = options.clock.setTimer(() => {
        signal?.removeEventListener?.('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener?.('abort', onAbort, { once: true });
    });
  }

  async function infer(id: string, feeds: Readonly<Record<string, Tensor>>, signal?: AbortSignalLike): Promise<Record<string, Tensor>> {
    const binary = await usesBinary(signal);
    const message = encodeInferRequest(feeds, { binary });
    const started = options.clock.now();
    for (;;) {
      const r = await exchange('POST', `/v2/models/${encodeURIComponent(id)}/infer`, { bytes: message.body, headers: message.headers }, signal);
      if (r.status === 200) return decodeInferResponse(r.bytes, r.header(HEADER_LENGTH));
      if (r.status !== 503) throw refused(r.status, r.bytes, `to run ${id}`);
      // Busy: wait as the server asks (Retry-After, seconds), within the total budget.
      const after = Math.min(30, Math.max(1, Number(r.header('retry-after')) || 1)) * 1000;
      if (options.clock.now() - started + after > busyWaitMs) throw refused(r.status, r.bytes, `to run ${id} for ${Math.round(busyWaitMs / 1000)} s (busy)`);
      await sleep(after, signal);
    }
  }

  return {
    name: `KServe v2 server ${base}`,
    url: base,
    async load(source: ModelSource, loadOptions?: { signal?: AbortSignalLike }): Promise<LoadedModel> {
      const id = source.modelId;
      if (!id) {
        throw new RestoreError('INVALID_OPTION', `${source.label} is not a catalog model; an inference server runs catalog models by id only (install it, or run it in this process)`);
      }
      const signal = loadOptions?.signal;
      const path = `/v2/models/${encodeURIComponent(id)}`;
      const meta = await getJson<KsModelMetadata>(path, `the model ${id}`, signal);
      const ready = await exchange('GET', `${path}/ready`, undefined, signal);
      if (ready.status !== 200) throw refused(ready.status, ready.bytes, `the model ${id} (not ready)`);
      if (!Array.isArray(meta.inputs) || !Array.isArray(meta.outputs)) throw new RestoreError('PROTOCOL_ERROR', `The metadata of ${id} from ${base} lists no inputs or outputs`);
      await usesBinary(signal);
      return {
        inputs: meta.inputs.map(toTensorInfo),
        outputs: meta.outputs.map(toTensorInfo),
        run: (feeds, runSignal) => infer(id, feeds, runSignal),
        release: () => Promise.resolve(),
      };
    },
    async test(modelIds: readonly string[], signal?: AbortSignalLike): Promise<ServerReport> {
      const started = options.clock.now();
      const ready = await exchange('GET', '/v2/health/ready', undefined, signal);
      const latencyMs = options.clock.now() - started;
      if (ready.status !== 200) throw refused(ready.status, ready.bytes, 'the readiness check');
      const meta = await getJson<KsServerMetadata>('/v2', 'its metadata', signal);
      const models: Record<string, boolean> = {};
      for (const id of modelIds) {
        const r = await exchange('GET', `/v2/models/${encodeURIComponent(id)}/ready`, undefined, signal);
        if (r.status === 401) throw refused(r.status, r.bytes, 'the model list');
        models[id] = r.status === 200;
      }
      const extensions = Array.isArray(meta.extensions) ? meta.extensions : [];
      return { url: base, server: `${String(meta.name)} ${String(meta.version)}`, binary: extensions.includes(BINARY_EXTENSION), latencyMs, models };
    },
  };
}

/**
 * Runs on `primary` (a server) and, when the user allowed it, falls back to `fallback` (in-process) for the rest of
 * the run once the server cannot be reached. Refusals (wrong token, unknown model) never fall back: they need the
 * user's attention, not a silent 20× slower run.
 */
export function withFallback(primary: ModelRuntime, fallback: ModelRuntime, onFallback: (reason: RestoreError) => void): ModelRuntime {
  let down: RestoreError | undefined;
  const note = (error: unknown): boolean => {
    if (!(error instanceof RestoreError) || error.code !== 'SERVER_UNREACHABLE') return false;
    if (!down) {
      down = error;
      onFallback(error);
    }
    return true;
  };
  return {
    name: `${primary.name}, falling back to ${fallback.name}`,
    async load(source, loadOptions): Promise<LoadedModel> {
      if (down) return fallback.load(source, loadOptions);
      let remote: LoadedModel;
      try {
        remote = await primary.load(source, loadOptions);
      } catch (error) {
        if (!note(error)) throw error;
        return fallback.load(source, loadOptions);
      }
      let local: LoadedModel | undefined;
      return {
        inputs: remote.inputs,
        outputs: remote.outputs,
        async run(feeds, signal) {
          if (!down) {
            try {
              return await remote.run(feeds, signal);
            } catch (error) {
              if (!note(error)) throw error;
            }
          }
          local ??= await fallback.load(source, signal ? { signal } : {});
          return local.run(feeds, signal);
        },
        async release() {
          await remote.release();
          await local?.release();
        },
      };
    },
  };
}
