/**
 * What a host injects so the model manager can download, check and install models: a file store rooted at the
 * models folder, an HTTP transport and a SHA-256 factory. The manager (model-manager.ts, download.ts) holds all the
 * policy — resume, checksums, retries, locks, atomic installs — so every host behaves the same; hosts only move bytes.
 * Paths are relative to the store's root with forward slashes (e.g. `restore/gfpgan-v1.4.onnx`).
 */
import { RestoreError, throwIfAborted, type AbortSignalLike } from './errors';
import type { ProgressCallback } from './progress';
import type { ModelRole } from './catalog';

/** Writes one file sequentially. */
export interface FileWriter {
  /** Appends bytes. A full disk must reject with RestoreError('DISK_FULL'). */
  write(bytes: Uint8Array): Promise<void>;
  /** Flushes and closes; idempotent. */
  close(): Promise<void>;
}

export interface ModelStore {
  /** The root folder as the user would find it (a native path), for messages. */
  readonly location: string;
  /** Size in bytes of a regular file, or undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  /** The file's bytes in chunks, from `start`. */
  read(path: string, start?: number): AsyncIterable<Uint8Array>;
  /** A UTF-8 text file, or undefined when there is none. */
  readText(path: string): Promise<string | undefined>;
  /** Replaces a small text file atomically (temporary file + rename): readers see the old or the new text. */
  writeText(path: string, text: string): Promise<void>;
  /** Opens a file for writing, creating folders; `append` keeps what is there, otherwise it is truncated. */
  open(path: string, options: { readonly append: boolean }): Promise<FileWriter>;
  /** Moves a file into place, replacing the target, in one step (same folder tree, so a rename). */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file; no error when it does not exist. */
  remove(path: string): Promise<void>;
  /** Names in a folder (files and folders), or [] when it does not exist. */
  list(folder: string): Promise<string[]>;
  /**
   * Takes the exclusive lock named `name`, waiting while another download (another process, for the CLI) holds it;
   * resolves to the release function. A lock left by a process that died is taken over. `onWait` is called once
   * if the lock is busy, so the host can say so.
   */
  lock(name: string, options: { readonly signal?: AbortSignalLike; readonly onWait?: (holder: string) => void }): Promise<() => Promise<void>>;
}

/** All of a stored file's bytes in one buffer (a runtime or the converter takes a file whole), filled chunk by chunk. */
export async function readStoredBytes(store: ModelStore, path: string): Promise<Uint8Array> {
  const size = await store.size(path);
  if (size === undefined) throw new RestoreError('MODEL_NOT_FOUND', `${path} is not in ${store.location}`);
  const bytes = new Uint8Array(size);
  let at = 0;
  for await (const chunk of store.read(path)) {
    if (at + chunk.byteLength > size) throw new RestoreError('MODEL_LOAD_FAILED', `${path} grew while it was read; try again`);
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  if (at !== size) throw new RestoreError('MODEL_LOAD_FAILED', `${path} was cut short while it was read (${at} of ${size} bytes); try again`);
  return bytes;
}

export interface HttpResponse {
  readonly status: number;
  /** The URL that answered (after any redirects the transport followed itself). */
  readonly url: string;
  /** A response header by lower-case name. */
  header(name: string): string | undefined;
  /** The body in chunks. Iteration rejects when the connection fails. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Stops the transfer and frees the connection; idempotent. */
  cancel(): void;
}

export interface HttpTransport {
  /**
   * One GET. Transports may follow redirects themselves (fetch does) or return the 3xx response (the manager then
   * follows it, checking each hop). Rejects on network failure with the platform's error (its `code`, e.g. ENOTFOUND,
   * is kept for the message). Must stop when `signal` fires.
   */
  get(url: string, options: { readonly headers: Readonly<Record<string, string>>; readonly signal: AbortSignalLike }): Promise<HttpResponse>;
}

export interface Sha256 {
  update(bytes: Uint8Array): void;
  /** Lower-case hex. */
  digest(): string;
}

/** How an installed file's checksum was established. */
export type TrustBasis =
  /** It matched the SHA-256 the publisher gives in the catalog. */
  | 'published'
  /** No checksum is published: this is the one computed at the first download (trust on first use). */
  | 'first-download'
  /** The user imported the file; this is its checksum at import. */
  | 'imported'
  /** Built by FaceRestore's converter from a downloaded checkpoint (see `converted`); this is the built file's checksum. */
  | 'converted';

/** Where a converted model came from: enough to rebuild it byte for byte. */
export interface ConversionRecord {
  /** The checkpoint's URL, SHA-256 and how that checksum was established. */
  readonly checkpoint: { readonly url: string; readonly sha256: string; readonly size: number; readonly trust: 'published' | 'first-download' };
  readonly arch: string;
  /** CONVERTER_VERSION of the converter that built it. */
  readonly converter: string;
  readonly weights: 'float32' | 'float16';
}

/** What the manager records beside every file it installs (`<file>.json`). */
export interface InstallRecord {
  readonly id: string;
  readonly role: ModelRole;
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
  readonly trust: TrustBasis;
  /** The URL it was downloaded from, or `file:` + the imported file's path. */
  readonly source: string;
  /** ISO date. */
  readonly installedAt: string;
  /** Present when trust is 'converted'. */
  readonly converted?: ConversionRecord;
}

export interface ModelHost {
  readonly store: ModelStore;
  /** Absent where the host cannot download (the manager then refuses pulls with NETWORK_ERROR). */
  readonly transport?: HttpTransport;
  readonly sha256: () => Sha256;
  /** Warnings the user should see (no published checksum, imported file differs from the published one). */
  readonly warn?: (code: string, message: string) => void;
  /** The host's clock (ms) and timers: the engine has no globals of its own. */
  readonly clock: Clock;
}

export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** SHA-256 (hex) of a stored file, read chunk by chunk; cancellable; `onProgress` reports the `verify` stage. */
export async function hashStoredFile(host: ModelHost, path: string, options: { readonly size: number; readonly signal?: AbortSignalLike; readonly onProgress?: ProgressCallback }): Promise<string> {
  const { size, signal, onProgress } = options;
  const hash = host.sha256();
  let done = 0;
  for await (const chunk of host.store.read(path)) {
    throwIfAborted(signal);
    hash.update(chunk);
    done += chunk.length;
    onProgress?.({ stage: 'verify', done, total: size, fraction: size ? Math.min(done / size, 1 - 1e-9) : 0 });
  }
  return hash.digest();
}
