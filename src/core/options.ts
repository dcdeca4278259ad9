/**
 * Options of the engine's public methods, their defaults and their validation (synchronous, before any work).
 */
import type { AbortSignalLike } from './errors';
import type { DetectOptions } from './detect/types';
import type { ProgressCallback } from './progress';
import type { DetectedFace } from './types';
import { checkBoolean, checkInteger, checkNumber, invalidOption, is, rejectUnknownKeys } from './validate';

/** Largest output scale accepted (the reference takes any int; beyond 8 the background alone is huge). */
export const MAX_UPSCALE = 8;

export interface CallOptions {
  /** Cancels the operation between stages, faces and model runs. */
  readonly signal?: AbortSignalLike;
  readonly onProgress?: ProgressCallback;
}

export interface RestoreOptions extends DetectOptions, CallOptions {
  /** Opacity of the restored faces over the original, 0..1 (1 = full restore, the reference). Default 1. */
  readonly strength?: number;
  /**
   * Integer output scale. The background comes from the restorer's upsampler (Real-ESRGAN) when it has one, else
   * from a Lanczos-4 resize as the reference does without an upsampler. Default 1.
   */
  readonly upscale?: number;
  /** Upsampler tile edge in input pixels, 0 = whole image (see UpscaleOptions.tile). Default UPSCALE_DEFAULTS.tile. */
  readonly tile?: number;
  /** Fidelity weight 0..1 for models with a `weight` input (CodeFormer); ignored by GFPGAN. Default 0.5. */
  readonly weight?: number;
  /** Restore these faces (e.g. the user's selection from `detect`) instead of detecting. */
  readonly faces?: readonly DetectedFace[];
  /** Build the whole-image composite (hosts that only need placements can skip it). Default true. */
  readonly shouldComposite?: boolean;
}

export interface AlignedRestoreOptions extends CallOptions {
  readonly weight?: number;
}

export const RESTORE_DEFAULTS = Object.freeze({ strength: 1, upscale: 1, weight: 0.5, shouldComposite: true });

const DETECT_KEYS = [
  'scoreThreshold', 'nmsThreshold', 'detectSize', 'eyeDistanceThreshold', 'onlyCenterFace', 'onlyLargest', 'maxFaces', 'shouldTryRotations',
] as const;
const CALL_KEYS = ['signal', 'onProgress'] as const;
export const RESTORE_KEYS: readonly string[] = [...DETECT_KEYS, ...CALL_KEYS, 'strength', 'upscale', 'tile', 'weight', 'faces', 'shouldComposite'];

function checkCallOptions(options: CallOptions): void {
  if (is.defined(options.signal) && typeof options.signal.aborted !== 'boolean') {
    throw invalidOption('signal', 'an AbortSignal', options.signal);
  }
  if (is.defined(options.onProgress) && typeof options.onProgress !== 'function') {
    throw invalidOption('onProgress', 'a function', options.onProgress);
  }
}

/** Faces handed in by a host (e.g. the user's selection) must carry five finite landmark points each. */
function checkFaces(faces: unknown): void {
  if (!Array.isArray(faces)) throw invalidOption('faces', 'an array of detected faces', faces);
  faces.forEach((face: unknown, i) => {
    const landmarks = (face as DetectedFace | undefined)?.landmarks;
    const isValid = Array.isArray(landmarks) && landmarks.length === 5
      && landmarks.every((p) => Array.isArray(p) && p.length === 2 && is.number(p[0]) && is.number(p[1]));
    if (!isValid) throw invalidOption(`faces[${i}].landmarks`, 'five [x, y] points with finite coordinates', landmarks);
  });
}

export interface ResolvedRestoreOptions {
  readonly strength: number;
  readonly upscale: number;
  /** Undefined = the upsampler's default. */
  readonly tile: number | undefined;
  readonly weight: number;
  readonly shouldComposite: boolean;
}

/** Validates restore options (detection options are validated by the detector) and applies defaults. */
export function resolveRestoreOptions(options: RestoreOptions = {}): ResolvedRestoreOptions {
  if (!is.plainObject(options)) throw invalidOption('options', 'a plain object', options);
  rejectUnknownKeys('restore()', options, RESTORE_KEYS);
  checkCallOptions(options);
  if (is.defined(options.faces)) checkFaces(options.faces);
  return {
    strength: is.defined(options.strength) ? checkNumber('strength', options.strength, 0, 1) : RESTORE_DEFAULTS.strength,
    upscale: is.defined(options.upscale) ? checkInteger('upscale', options.upscale, 1, MAX_UPSCALE) : RESTORE_DEFAULTS.upscale,
    tile: is.defined(options.tile) ? checkInteger('tile', options.tile, 0, 1 << 16) : undefined,
    weight: is.defined(options.weight) ? checkNumber('weight', options.weight, 0, 1) : RESTORE_DEFAULTS.weight,
    shouldComposite: is.defined(options.shouldComposite) ? checkBoolean('shouldComposite', options.shouldComposite) : RESTORE_DEFAULTS.shouldComposite,
  };
}

/** Splits the detection options out of a restore options object. */
export function pickDetectOptions(options: RestoreOptions): DetectOptions {
  const out: Record<string, unknown> = {};
  for (const key of DETECT_KEYS) if (options[key] !== undefined) out[key] = options[key];
  return out as DetectOptions;
}

export function resolveAlignedOptions(options: AlignedRestoreOptions = {}): { weight: number } {
  if (!is.plainObject(options)) throw invalidOption('options', 'a plain object', options);
  rejectUnknownKeys('restoreAligned()', options, [...CALL_KEYS, 'weight']);
  checkCallOptions(options);
  return { weight: is.defined(options.weight) ? checkNumber('weight', options.weight, 0, 1) : RESTORE_DEFAULTS.weight };
}
