/**
 * One verified, resumable download into a model store. The bytes stream into `<target>.part` while SHA-256 is
 * computed over them; only a complete file whose size and checksum are right is renamed to `<target>`, so a partial
 * or corrupt file never appears under the final name. An interrupted transfer resumes with an HTTP Range request
 * (re-hashing what is already on disk first); stalls and server errors are retried with exponential backoff.
 * https only, plus plain http to the loopback address (tests).
 */
import { AbortError, describeError, RestoreError, throwIfAborted, type AbortSignalLike } from './errors';
import type { Clock, HttpResponse, ModelHost } from './model-host';
import type { ProgressCallback } from './progress';

export interface DownloadOptions {
  readonly signal?: AbortSignalLike;
  readonly onProgress?: ProgressCallback;
  /** Retries after a network failure, stall or 5xx. Default 4. */
  readonly retries?: number;
  /** First retry delay in ms, doubled each time (capped at 30 s). Default 1000. */
  readonly backoffMs?: number;
  /** Longest wait for the response headers. Default 30 s. */
  readonly connectTimeoutMs?: number;
  /** Longest wait for the next bytes of the body. Default 30 s. */
  readonly idleTimeoutMs?: number;
}

export const DOWNLOAD_DEFAULTS = Object.freeze({ retries: 4, backoffMs: 1000, connectTimeoutMs: 30_000, idleTimeoutMs: 30_000 });
/** Largest download when the catalog gives no size. */
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

export interface DownloadTarget {
  readonly url: string;
  /** Store path of the finished file. */
  readonly path: string;
  /** Lower-case hex, when published. */
  readonly sha256: string | null;
  readonly size: number | null;
  readonly sizeExact: boolean;
  /** Names the model in messages. */
  readonly label: string;
}

export interface Downloaded {
  readonly sha256: string;
  readonly size: number;
  /** The URL the bytes finally came from. */
  readonly url: string;
}

interface PartMeta {
  readonly url: string;
  readonly validator?: string;
  readonly total?: number;
}

/** A failure worth another attempt (network, stall, 5xx); everything else is thrown at once. */
class Retryable extends Error {
  constructor(message: string, readonly networkCode?: string) {
    super(message);
  }
}

const OFFLINE_CODES = ['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETDOWN'];
const MB = 1024 * 1024;

/** Accepts https URLs, and http only to the loopback address. */
export function checkDownloadUrl(url: string): string {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/:?#\s]+)(:\d+)?([/?#]\S*)?$/i.exec(url);
  const loopback = m && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i.test(m[2]);
  if (!m || (m[1].toLowerCase() !== 'https' && !loopback)) {
    throw new RestoreError('DOWNLOAD_FAILED', `Refused to download from ${url}: only https:// URLs are allowed (plain http only to this computer)`);
  }
  return url;
}

function resolveLocation(base: string, location: string): string {
  if (/^[a-z]+:\/\//i.test(location)) return location;
  const origin = /^[a-z]+:\/\/[^/]+/i.exec(base)?.[0] ?? '';
  return location.startsWith('/') ? origin + location : base.replace(/[^/]*$/, '') + location;
}

/** Races `promise` against the timer and the signal; `onLate` receives a value that arrives after the race was lost. */
function within<T>(promise: Promise<T>, ms: number, clock: Clock, signal: AbortSignalLike | undefined, what: string, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      stop();
      signal?.removeEventListener?.('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) reject(new AbortError('The download was cancelled', { cause: signal?.reason }));
    };
    const stop = clock.setTimer(() => {
      if (finish()) reject(new Retryable(`${what} for ${Math.round(ms / 100) / 10} s`));
    }, ms);
    signal?.addEventListener?.('abort', onAbort, { once: true });
    promise.then((v) => (finish() ? resolve(v) : onLate?.(v)), (e) => finish() && reject(e));
  });
}

function sleep(clock: Clock, ms: number, signal: AbortSignalLike | undefined): Promise<void> {
  return within(new Promise<never>(() => undefined), ms, clock, signal, 'sleep').catch((e) => {
    if (e instanceof Retryable) return;
    throw e;
  });
}

function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

function hostOf(url: string): string {
  return /^[a-z]+:\/\/([^/:?#]+)/i.exec(url)?.[1] ?? url;
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Progress with a smoothed speed and an ETA, at most every 100 ms (and always for the last byte). */
function progressMeter(clock: Clock, onProgress: ProgressCallback | undefined) {
  let lastEmit = -Infinity;
  let sampleAt: number | undefined;
  let sampleBytes = 0;
  let rate: number | undefined;
  let lastFraction = 0;
  return (done: number, total: number | undefined, force = false): void => {
    if (!onProgress) return;
    const now = clock.now();
    if (sampleAt === undefined || done < sampleBytes) {
      // The first report (after a resume: the bytes already on disk) and a restart are the baseline, not speed.
      sampleAt = now;
      sampleBytes = done;
    } else if (now - sampleAt >= 250) {
      const instant = ((done - sampleBytes) * 1000) / (now - sampleAt);
      rate = rate === undefined ? instant : 0.7 * rate + 0.3 * instant;
      sampleAt = now;
      sampleBytes = done;
    }
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    lastFraction = Math.max(lastFraction, total ? Math.min(done / total, 1 - 1e-9) : 0);
    const secondsLeft = rate && total ? Math.max(0, (total - done) / rate) : undefined;
    onProgress({
      stage: 'download', done, total: total ?? 0, fraction: lastFraction,
      ...(rate !== undefined ? { rate } : {}), ...(secondsLeft !== undefined ? { secondsLeft } : {}),
    });
  };
}

/**
 * Downloads `target.url` to `target.path` in `host.store`, verified. The caller holds the model's lock.
 * Throws DOWNLOAD_FAILED (HTTP errors), NETWORK_ERROR (after every retry), CHECKSUM_MISMATCH, TOO_LARGE, DISK_FULL
 * or ABORTED; a cancelled or interrupted download keeps its `.part` file so the next attempt resumes.
 */
export async function downloadVerified(host: ModelHost, target: DownloadTarget, options: DownloadOptions = {}): Promise<Downloaded> {
  const { store, clock, transport } = host;
  const o = { ...DOWNLOAD_DEFAULTS, ...options };
  const { signal } = o;
  if (!transport) throw new RestoreError('NETWORK_ERROR', `This host cannot download; put ${target.label} into ${store.location} yourself`);
  checkDownloadUrl(target.url);
  const part = `${target.path}.part`;
  const metaPath = `${target.path}.part.json`;
  const maxBytes = target.size ? (target.sizeExact ? target.size : Math.ceil(target.size * 1.1)) : DEFAULT_MAX_BYTES;
  const report = progressMeter(clock, o.onProgress);

  let meta: PartMeta | undefined;
  try {
    meta = JSON.parse((await store.readText(metaPath)) ?? 'null') ?? undefined;
  } catch { /* unreadable: start over */ }
  let have = (meta?.url === target.url ? await store.size(part) : undefined) ?? 0;
  let hash = host.sha256();
  if (have > 0) {
    // Resuming: the hash must cover the bytes already on disk.
    for await (const chunk of store.read(part)) {
      throwIfAborted(signal);
      hash.update(chunk);
    }
    report(have, meta?.total, true);
  }
  const restart = async (): Promise<void> => {
    have = 0;
    hash = host.sha256();
    await store.remove(part);
  };
  if (have === 0) await restart();

  let finalUrl = target.url;
  let failures = 0;
  for (;;) {
    throwIfAborted(signal);
    let response: HttpResponse | undefined;
    try {
      // Follow redirects ourselves when the transport returns them, checking every hop.
      let url = target.url;
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = {};
        if (have > 0) {
          headers.range = `bytes=${have}-`;
          if (meta?.validator) headers['if-range'] = meta.validator;
        }
        const request = transport.get(url, { headers, signal: signal ?? { aborted: false } });
        response = await within(request, o.connectTimeoutMs, clock, signal, `no answer from ${hostOf(url)}`, (late) => late.cancel());
        const location = response.header('location');
        if (response.status < 300 || response.status >= 400 || !location) break;
        response.cancel();
        if (hop >= 5) throw new RestoreError('DOWNLOAD_FAILED', `${target.url} redirects more than 5 times`);
        url = checkDownloadUrl(resolveLocation(url, location));
      }
      finalUrl = response.url || url;
      const status = response.status;
      if (status === 416 && have > 0) {
        await restart(); // our partial file is no prefix of what the server has: start over
        continue;
      }
      if (status === 408 || status === 429 || status >= 500) throw new Retryable(`${hostOf(finalUrl)} answered HTTP ${status}`);
      if (status !== 200 && status !== 206) {
        const why = status === 404 || status === 410 ? 'the file is not there (it may have moved; a newer FaceRestore may know its new address)' : 'the server refused it';
        throw new RestoreError('DOWNLOAD_FAILED', `Downloading ${target.label} failed: ${finalUrl} answered HTTP ${status}: ${why}`);
      }
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.header('content-range') ?? '');
      if (status === 200 || !range || Number(range[1]) !== have) {
        if (have > 0) await restart(); // server ignored the range, or the file changed: from the start
      }
      const length = Number(response.header('content-length') ?? NaN);
      const total = range && range[2] !== '*' ? Number(range[2]) : Number.isFinite(length) ? have + length : undefined;
      if (total !== undefined && total > maxBytes) {
        throw new RestoreError('TOO_LARGE', `${target.label} at ${finalUrl} is ${mb(total)}; the catalog allows at most ${mb(maxBytes)}. Nothing was installed`);
      }
      if (total !== undefined && target.sizeExact && target.size !== null && total !== target.size) {
        throw new RestoreError('CHECKSUM_MISMATCH', `${target.label} at ${finalUrl} is ${total} bytes; the catalog expects ${target.size}. Nothing was installed`);
      }
      meta = { url: target.url, ...(response.header('etag') ?? response.header('last-modified') ? { validator: response.header('etag') ?? response.header('last-modified') } : {}), ...(total !== undefined ? { total } : {}) };
      await store.writeText(metaPath, JSON.stringify(meta));
      const writer = await store.open(part, { append: have > 0 });
      try {
        const chunks = response.body[Symbol.asyncIterator]();
        for (;;) {
          const next = await within(chunks.next(), o.idleTimeoutMs, clock, signal, `no data from ${hostOf(finalUrl)}`);
          if (next.done) break;
          const chunk = next.value;
          if (have + chunk.length > maxBytes) {
            throw new RestoreError('TOO_LARGE', `${target.label} from ${finalUrl} is larger than the ${mb(maxBytes)} the catalog allows. Nothing was installed`);
          }
          await writer.write(chunk);
          hash.update(chunk);
          have += chunk.length;
          failures = 0; // progress made: the retry budget is per stall, not per download
          report(have, total);
        }
      } finally {
        await writer.close();
      }
      if (total !== undefined && have < total) throw new Retryable(`${hostOf(finalUrl)} closed the connection after ${mb(have)} of ${mb(total)}`);
      break;
    } catch (error) {
      response?.cancel();
      if (error instanceof RestoreError) {
        if (error.code === 'TOO_LARGE' || error.code === 'CHECKSUM_MISMATCH') await cleanup(host, part, metaPath);
        if (error.code === 'DISK_FULL') {
          throw new RestoreError('DISK_FULL', `The disk holding ${store.location} is full after ${mb(have)} of ${target.label}. Free some space and download again: it resumes where it stopped`, { cause: error });
        }
        throw error;
      }
      const code = error instanceof Retryable ? error.networkCode : networkCode(error);
      const message = error instanceof Retryable ? error.message : `${describeError(error)}${code ? ` (${code})` : ''}`;
      failures++;
      if (failures > o.retries) {
        const offline = code && OFFLINE_CODES.includes(code) ? ` Is this computer online? ${hostOf(target.url)} could not be reached.` : '';
        throw new RestoreError(
          'NETWORK_ERROR',
          `Downloading ${target.label} failed after ${failures} attempts: ${message}.${offline} ${have > 0 ? `${mb(have)} are kept; downloading again resumes from there.` : ''}`.trim(),
          { cause: error },
        );
      }
      await sleep(clock, Math.min(30_000, o.backoffMs * 2 ** (failures - 1)) * (0.8 + 0.4 * Math.random()), signal);
    }
  }
  const sha256 = hash.digest();
  if (target.sha256 && sha256 !== target.sha256) {
    await cleanup(host, part, metaPath);
    throw new RestoreError(
      'CHECKSUM_MISMATCH',
      `${target.label} from ${finalUrl} has SHA-256 ${sha256}, not the published ${target.sha256}: the download is damaged or the file was replaced. It was deleted and nothing was installed; try again`,
    );
  }
  if (target.sizeExact && target.size !== null && have !== target.size) {
    await cleanup(host, part, metaPath);
    throw new RestoreError('CHECKSUM_MISMATCH', `${target.label} from ${finalUrl} is ${have} bytes, not the ${target.size} the catalog expects. It was deleted and nothing was installed`);
  }
  await store.rename(part, target.path);
  await store.remove(metaPath);
  o.onProgress?.({ stage: 'download', done: have, total: have, fraction: 1 });
  return { sha256, size: have, url: finalUrl };
}

async function cleanup(host: ModelHost, part: string, metaPath: string): Promise<void> {
  await host.store.remove(part);
  await host.store.remove(metaPath);
}
