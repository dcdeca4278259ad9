/**
 * Typed errors for everything the engine throws. Each has a stable `code` that hosts map to messages and exit
 * codes; the message itself already says what failed, what was received and what is accepted.
 */

export type RestoreErrorCode =
  /** An option has the wrong type or is out of range. */
  | 'INVALID_OPTION'
  /** The image handed to the engine is malformed (size, channels, data length) or over the pixel limit. */
  | 'INVALID_IMAGE'
  /** A host could not decode a file as an image. */
  | 'DECODE_FAILED'
  /** A model file could not be found where the host looked. */
  | 'MODEL_NOT_FOUND'
  /** A model file exists but is not a loadable ONNX graph. */
  | 'MODEL_LOAD_FAILED'
  /** A model loaded but its inputs/outputs do not match the role it was given. */
  | 'MODEL_CONTRACT'
  /** `session.run` failed. */
  | 'INFERENCE_FAILED'
  /** The operation was cancelled through its AbortSignal. */
  | 'ABORTED'
  /** A host service (file system, Photoshop) failed. */
  | 'HOST_FAILURE'
  /** The model catalog JSON breaks its schema. */
  | 'INVALID_CATALOG'
  /** A catalog model has no source the engine can download (e.g. PyTorch-only weights). */
  | 'NO_DOWNLOAD'
  /** A server answered a download with an HTTP error (404, 403, …). */
  | 'DOWNLOAD_FAILED'
  /** The network failed: no connection, DNS failure, reset or a stalled transfer, after every retry. */
  | 'NETWORK_ERROR'
  /** A downloaded or installed file does not have the expected SHA-256 or size. */
  | 'CHECKSUM_MISMATCH'
  /** A download is larger than the catalog allows. */
  | 'TOO_LARGE'
  /** The disk filled up while writing a model file. */
  | 'DISK_FULL'
  /** An inference server could not be reached, or the connection dropped mid-request. */
  | 'SERVER_UNREACHABLE'
  /** An inference server answered with an error (wrong token, unknown model, busy, invalid tensors). */
  | 'SERVER_REFUSED'
  /** A KServe v2 message is malformed (bad JSON, tensor sizes that do not add up). */
  | 'PROTOCOL_ERROR'
  /**
   * A PyTorch checkpoint's pickle asks for something outside the safe reader's allow-list: a global that is not a
   * tensor or container (os.system, builtins.eval, …) or an opcode it does not know. The file may be malicious.
   */
  | 'CHECKPOINT_REFUSED'
  /**
   * A PyTorch checkpoint cannot be read: truncated or corrupt, or a layout the reader does not support (compressed zip
   * entries, weights that are not float32/float16, no state dict where one is expected).
   */
  | 'INVALID_CHECKPOINT';

export class RestoreError extends Error {
  override readonly name: string = 'RestoreError';
  readonly code: RestoreErrorCode;

  constructor(code: RestoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message);
    this.code = code;
    // Set explicitly: ES2022 `cause` is not in every runtime we target (UXP).
    if (options && 'cause' in options) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}

/** Thrown when an AbortSignal fires; `name` is 'AbortError' so generic abort handling recognises it. */
export class AbortError extends RestoreError {
  override readonly name = 'AbortError';
  constructor(message = 'The operation was cancelled', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/** The part of the standard AbortSignal the engine uses (kept structural so the engine needs no DOM types). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  /** Present on real signals; used to stop a wait (a stalled download, a backoff sleep) the moment it fires. */
  addEventListener?(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener?(type: 'abort', listener: () => void): void;
}

/** Throws an AbortError when `signal` has fired. Called between stages, before every model run. */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) {
    const reason = signal.reason;
    const detail = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
    throw new AbortError(`The operation was cancelled${detail}`, { cause: reason });
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Human-readable description of an error's cause chain, for one-line reports. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
