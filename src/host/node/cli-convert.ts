/**
 * `facerestore models convert <file.pth>`: a PyTorch checkpoint (GFPGANv1Clean, SRVGGNetCompact, RRDBNet) → an ONNX
 * file, through the engine's safe reader (nothing in the file is executed) and its deterministic converter.
 * The file is written atomically: a temp file in the output's folder, flushed, then linked (or, with --force,
 * renamed) into place, so a failure or Ctrl+C leaves no partial output; the checkpoint is only read.
 */
import { randomBytes } from 'crypto';
import type { Stats } from 'fs';
import * as fs from 'fs/promises';
import * as path from 'path';
import { ARCHITECTURES, convertCheckpoint, CONVERTER_VERSION, type Architecture } from '../../core/convert';
import type { WeightPrecision } from '../../core/convert/layers';
import { describeError, isAbortError, RestoreError, throwIfAborted } from '../../core/errors';
import { convertErrorJson, convertJson, formatConverted, formatStage, type ConvertStage, type ConvertSummary } from './cli-convert-format';
import { nodeSha256 } from './model-host';

export const CONVERT_ARCHITECTURES: readonly string[] = ['auto', ...ARCHITECTURES];
export const NOISE_MODES = ['checkpoint', 'random'] as const;
export type NoiseMode = (typeof NOISE_MODES)[number];

/** The flags as parsed (strings unchecked). */
export interface ConvertFlags {
  readonly arch?: string;
  readonly output?: string;
  readonly fp16: boolean;
  readonly noise?: string;
  readonly force: boolean;
}

/** A checked conversion request: absolute paths and known values. */
export interface ConvertRequest {
  readonly input: string;
  readonly output: string;
  readonly arch: Architecture | 'auto';
  readonly weights: WeightPrecision;
  /** Undefined: the engine's default (GFPGAN: the checkpoint's noise buffers). */
  readonly noise: NoiseMode | undefined;
  /** Replace an existing output file. */
  readonly force: boolean;
}

/** `{stage, done, total, fraction}` as everywhere, with the converter's stages; done/total count bytes (build: 0/1, 1/1). */
export interface ConvertProgressEvent {
  readonly stage: ConvertStage;
  readonly done: number;
  readonly total: number;
  readonly fraction: number;
}

const or = (items: readonly string[]): string => `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

/** `GFPGANv1.4.pth` → `GFPGANv1.4.onnx` in the same folder; `.pt` is replaced too, any other name gets `.onnx` appended. */
export function defaultOutput(input: string): string {
  return /\.pth?$/i.test(input) ? input.replace(/\.pth?$/i, '.onnx') : `${input}.onnx`;
}

/**
 * Checks the flags of `models convert` before any I/O.
 * @throws RestoreError INVALID_OPTION naming the flag, the value received and the values accepted.
 * @example
 * convertRequest('GFPGANv1.4.pth', { fp16: true, force: false }); // { output: '/cwd/GFPGANv1.4.onnx', weights: 'float16', … }
 */
export function convertRequest(file: string, flags: ConvertFlags): ConvertRequest {
  const arch = flags.arch ?? 'auto';
  if (!CONVERT_ARCHITECTURES.includes(arch)) {
    throw new RestoreError('INVALID_OPTION', `--arch must be ${or(CONVERT_ARCHITECTURES)}; received "${arch}"`);
  }
  if (flags.noise !== undefined && !(NOISE_MODES as readonly string[]).includes(flags.noise)) {
    throw new RestoreError('INVALID_OPTION', `--noise must be ${or(NOISE_MODES)}; received "${flags.noise}"`);
  }
  if (flags.output === '') throw new RestoreError('INVALID_OPTION', '--output needs a file name, e.g. -o GFPGANv1.4.onnx');
  const input = path.resolve(file);
  return {
    input,
    output: path.resolve(flags.output ?? defaultOutput(input)),
    arch: arch as Architecture | 'auto',
    weights: flags.fp16 ? 'float16' : 'float32',
    noise: flags.noise as NoiseMode | undefined,
    force: flags.force,
  };
}

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;
const statOf = (file: string): Promise<Stats | undefined> => fs.stat(file).catch(() => undefined);

/** The checkpoint's size; refuses a missing input, a folder, and an output that would replace the input or exists. */
async function preflight(r: ConvertRequest): Promise<number> {
  let input: Stats;
  try {
    input = await fs.stat(r.input);
  } catch (error) {
    throw new RestoreError('MODEL_NOT_FOUND', `Cannot read ${r.input}: ${errno(error) === 'ENOENT' ? 'it does not exist' : describeError(error)}`);
  }
  if (!input.isFile()) throw new RestoreError('MODEL_NOT_FOUND', `Cannot read ${r.input}: it is not a file; pass the .pth checkpoint itself`);
  const output = await statOf(r.output);
  if (output && (r.output === r.input || (output.ino === input.ino && output.dev === input.dev))) {
    throw new RestoreError('INVALID_OPTION', `The output ${r.output} is the checkpoint itself; name another file with -o`);
  }
  if (output?.isDirectory()) throw new RestoreError('INVALID_OPTION', `The output ${r.output} is a folder; name the .onnx file to write with -o`);
  if (output && !r.force) throw exists(r.output);
  const folder = await statOf(path.dirname(r.output));
  if (!folder?.isDirectory()) throw new RestoreError('HOST_FAILURE', `Cannot write ${r.output}: the folder ${path.dirname(r.output)} does not exist`);
  return input.size;
}

const exists = (file: string): RestoreError =>
  new RestoreError('INVALID_OPTION', `${file} already exists; nothing was written. Pass --force to replace it, or name another file with -o`);

/** Moves the finished temp file into place: rename over the target, or (no --force) a link that fails if it exists. */
async function place(temp: string, target: string, replace: boolean): Promise<void> {
  if (replace) return fs.rename(temp, target);
  try {
    await fs.link(temp, target);
  } catch (error) {
    if (errno(error) === 'EEXIST') throw exists(target);
    // No hard links here (FAT, some network shares): check, then rename (a narrow race instead of none).
    if (await statOf(target)) throw exists(target);
    return fs.rename(temp, target);
  }
  await fs.unlink(temp).catch(() => undefined);
}

const CHUNK = 8 * 1024 * 1024;

/**
 * Writes `bytes` to `target` atomically (see the file comment), checking `signal` between 8 MB chunks.
 * @throws RestoreError INVALID_OPTION when the target exists and `replace` is false; DISK_FULL; HOST_FAILURE for
 *   other file-system errors; AbortError when `signal` fires. In every case the temp file is gone and the target
 *   is untouched.
 */
export async function writeFileAtomically(
  target: string,
  bytes: Uint8Array,
  options: { readonly replace: boolean; readonly signal?: AbortSignal; readonly onWritten?: (done: number) => void },
): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    throwIfAborted(options.signal);
    handle = await fs.open(temp, 'wx');
    for (let at = 0; at < bytes.length;) {
      throwIfAborted(options.signal);
      const { bytesWritten } = await handle.write(bytes, at, Math.min(CHUNK, bytes.length - at));
      at += bytesWritten;
      options.onWritten?.(at);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    throwIfAborted(options.signal);
    await place(temp, target, options.replace);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    if (error instanceof RestoreError || isAbortError(error)) throw error;
    const code = errno(error);
    if (code === 'ENOSPC') throw new RestoreError('DISK_FULL', `The disk is full: ${target} (${bytes.length} bytes) could not be written; nothing was written`, { cause: error });
    const why = code === 'EACCES' || code === 'EPERM' ? `no permission to write in ${path.dirname(target)}` : describeError(error);
    throw new RestoreError('HOST_FAILURE', `Cannot write ${target}: ${why}; nothing was written`, { cause: error });
  }
}

/**
 * Reads the checkpoint, converts it and writes the ONNX file.
 * @throws RestoreError CHECKPOINT_REFUSED (a pickle outside the safe reader's allow-list), INVALID_CHECKPOINT,
 *   MODEL_CONTRACT (not a network the converter knows), INVALID_OPTION (the engine's option checks, an existing
 *   output without `force`), MODEL_NOT_FOUND (no input), DISK_FULL, HOST_FAILURE; AbortError when `signal` fires.
 * @example
 * const summary = await convertFile(convertRequest('GFPGANv1.4.pth', { fp16: false, force: false }), { signal });
 */
export async function convertFile(
  r: ConvertRequest,
  options: { readonly signal?: AbortSignal; readonly onProgress?: (e: ConvertProgressEvent) => void } = {},
): Promise<ConvertSummary> {
  const started = Date.now();
  const { signal, onProgress } = options;
  const size = await preflight(r);
  onProgress?.({ stage: 'read', done: 0, total: size, fraction: 0 });
  let bytes: Buffer | undefined = await fs.readFile(r.input, signal ? { signal } : {});
  onProgress?.({ stage: 'read', done: bytes.length, total: bytes.length, fraction: 0.1 });
  throwIfAborted(signal);
  onProgress?.({ stage: 'build', done: 0, total: 1, fraction: 0.1 });
  const converted = convertCheckpoint(bytes, { arch: r.arch, weights: r.weights, ...(r.noise ? { noise: r.noise } : {}) });
  bytes = undefined; // the checkpoint's bytes can go before the model is written
  onProgress?.({ stage: 'build', done: 1, total: 1, fraction: 0.8 });
  throwIfAborted(signal);
  const { model } = converted;
  const write = (done: number): void => onProgress?.({ stage: 'write', done, total: model.length, fraction: 0.8 + (0.2 * done) / model.length });
  write(0);
  await writeFileAtomically(r.output, model, { replace: r.force, ...(signal ? { signal } : {}), onWritten: write });
  const hash = nodeSha256();
  hash.update(model);
  return {
    input: r.input, output: r.output, network: converted.network, checkpoint: converted.checkpoint, weights: r.weights, noise: r.noise,
    size: model.length, sha256: hash.digest(), seconds: (Date.now() - started) / 1000, converterVersion: CONVERTER_VERSION,
  };
}

/**
 * The command: stage lines on stderr, the summary (or one JSON object) on stdout. Errors are rethrown for the
 * models command's one-line report and exit status; with `json` they are also printed as `{input, output, error}`.
 */
export async function runConvert(
  r: ConvertRequest,
  io: { readonly json: boolean; readonly signal: AbortSignal; readonly out: (line: string) => void; readonly say: (line: string) => void },
): Promise<number> {
  const label = path.basename(r.input);
  try {
    const summary = await convertFile(r, {
      signal: io.signal,
      onProgress: (e) => {
        if (e.done === 0) io.say(formatStage(label, e.stage, { bytes: e.total, weights: r.weights, output: path.basename(r.output) }));
      },
    });
    io.out(io.json ? JSON.stringify(convertJson(summary), null, 2) : formatConverted(summary));
    return 0;
  } catch (error) {
    if (io.json) {
      const code = error instanceof RestoreError ? error.code : isAbortError(error) ? 'ABORTED' : 'HOST_FAILURE';
      io.out(JSON.stringify(convertErrorJson(r.input, r.output, code, describeError(error)), null, 2));
    }
    throw error;
  }
}
