/**
 * The engine's facade: `createRestorer(config)` → `{detect, restore, restoreAligned, composite, warmup, dispose}`.
 * Models are loaded lazily, once, through memoised promises that are dropped when loading fails (so a retry
 * works), and their contracts are checked on load.
 */
import { createDetector, resolveDetectOptions } from './detect';
import type { PixelSpec } from './detect/prepare';
import { DETECTOR_KINDS, type DetectOptions, type DetectorKind, type FaceDetector } from './detect/types';
import { RestoreError, throwIfAborted } from './errors';
import { checkOutputSize, DEFAULT_MAX_PIXELS, isEightBit, validateImage, workingRgbRows, type FloatImage, type PixelImage } from './image';
import { GFPGAN, type RestoreModelDescriptor } from './models';
import {
  pickDetectOptions, resolveAlignedOptions, resolveRestoreOptions, type AlignedRestoreOptions, type CallOptions, type RestoreOptions,
} from './options';
import { compositeFaces, runPipeline, type RestoredFace, type RestoreModels, type RestoreResult } from './pipeline';
import { ProgressReporter } from './progress';
import { resize } from './resize';
import { checkRestoreContract, restoreFace } from './restore';
import type { LoadedModel, ModelRuntime, ModelSource } from './runtime';
import type { DetectedFace } from './types';
import type { Upsampler } from './upsampler';
import { checkChoice, invalidOption, is } from './validate';

export interface RestorerConfig {
  /** The inference runtime the host provides (onnxruntime-node, onnxruntime-web, …). */
  readonly runtime: ModelRuntime;
  /** `pixels`: the detector's input normalisation from its catalog entry (detectorPixels); default: the decoder's usual. */
  readonly detector: { readonly kind: DetectorKind; readonly source: ModelSource; readonly pixels?: PixelSpec };
  readonly restorer: { readonly source: ModelSource; readonly descriptor?: RestoreModelDescriptor };
  /** Largest accepted input image, width × height. Default DEFAULT_MAX_PIXELS (100 MP). */
  readonly maxPixels?: number;
  /** Largest output canvas (input × upscale²). Default 4 × maxPixels. */
  readonly maxOutputPixels?: number;
  /**
   * Awaited between model runs (after detection, before each face) so a host whose UI shares the thread with
   * inference (UXP, a web page without workers) can repaint and deliver a Cancel click. Default: no yield.
   */
  readonly yieldToHost?: () => Promise<void>;
  /**
   * Makes restore()'s background at the output scale (Real-ESRGAN). The host owns it: dispose() leaves it alone.
   * Without one the background is a Lanczos-4 resize, as the reference does without CUDA.
   */
  readonly upsampler?: Upsampler;
}

export interface AlignedResult {
  /** The input resized to the model's face size (bilinear, as the reference's `--aligned`). */
  readonly crop: FloatImage;
  readonly restored: FloatImage;
}

export interface Restorer {
  /** Name of the runtime the models run on. */
  readonly runtimeName: string;
  /** Finds faces (5 landmarks each) in full-resolution image pixels, highest score first. */
  detect(image: PixelImage, options?: DetectOptions & CallOptions): Promise<DetectedFace[]>;
  /** Detects (unless `faces` is given), aligns, restores and places every face; composites unless told not to. */
  restore(image: PixelImage, options?: RestoreOptions): Promise<RestoreResult>;
  /** Restores an image that already is an aligned face (GFPGAN's `--aligned`): no detection, no paste-back. */
  restoreAligned(image: PixelImage, options?: AlignedRestoreOptions): Promise<AlignedResult>;
  /** Re-composites earlier results at another strength, without running any model. */
  composite(image: PixelImage, result: RestoreResult, options: { readonly strength: number }): PixelImage;
  /**
   * Loads the models now, so the first restore does not pay for it and a bad model file is reported before any
   * work. `shouldLoadDetector: false` loads only the restorer (aligned inputs need no detector).
   */
  warmup(options?: CallOptions & { readonly shouldLoadDetector?: boolean }): Promise<void>;
  /** Releases every session; idempotent. */
  dispose(): Promise<void>;
}

function checkSource(option: string, source: unknown): ModelSource {
  const s = source as ModelSource;
  if (!is.plainObject(source) || !is.string(s.label) || !(is.string(s.location) || s.location instanceof Uint8Array)) {
    throw invalidOption(option, 'a model source {label, location: path, URL or bytes}', source);
  }
  return s;
}

/** Memoised model loader: one promise per model, evicted on failure. */
function lazy<T>(load: () => Promise<T>): { get: () => Promise<T>; peek: () => Promise<T> | undefined; clear: () => void } {
  let promise: Promise<T> | undefined;
  return {
    get: () => {
      if (!promise) {
        promise = load();
        promise.catch(() => { promise = undefined; });
      }
      return promise;
    },
    peek: () => promise,
    clear: () => { promise = undefined; },
  };
}

export function createRestorer(config: RestorerConfig): Restorer {
  if (!is.plainObject(config)) throw invalidOption('config', 'a plain object', config);
  const runtime = config.runtime;
  if (!runtime || typeof runtime.load !== 'function') throw invalidOption('config.runtime', 'a ModelRuntime with load()', runtime);
  const detectorKind = checkChoice('config.detector.kind', config.detector?.kind, DETECTOR_KINDS);
  const detectorSource = checkSource('config.detector.source', config.detector?.source);
  const restoreSource = checkSource('config.restorer.source', config.restorer?.source);
  const descriptor = config.restorer.descriptor ?? GFPGAN;
  const maxPixels = config.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxOutputPixels = config.maxOutputPixels ?? 4 * maxPixels;
  const yieldToHost = config.yieldToHost;
  const upsampler = config.upsampler;
  if (upsampler !== undefined && typeof upsampler?.upscale !== 'function') throw invalidOption('config.upsampler', 'an Upsampler from createUpsampler()', upsampler);
  if (yieldToHost !== undefined && typeof yieldToHost !== 'function') throw invalidOption('config.yieldToHost', 'a function returning a promise', yieldToHost);
  let disposed = false;

  const loaded: LoadedModel[] = [];
  const loadModel = async (source: ModelSource): Promise<LoadedModel> => {
    const model = await runtime.load(source);
    loaded.push(model);
    return model;
  };
  const detectorModel = lazy(async (): Promise<FaceDetector> => {
    const model = await loadModel(detectorSource);
    return createDetector(detectorKind, model, detectorSource.label, config.detector.pixels);
  });
  const restoreModel = lazy(async (): Promise<RestoreModels> => {
    const model = await loadModel(restoreSource);
    const contract = checkRestoreContract(model, restoreSource.label, descriptor);
    return { model, contract, label: restoreSource.label, descriptor };
  });

  const checkOpen = (): void => {
    if (disposed) throw new RestoreError('INVALID_OPTION', 'This restorer has been disposed; create a new one');
  };

  return {
    runtimeName: runtime.name,

    async detect(image, options = {}) {
      checkOpen();
      const { signal, onProgress, ...detectOptions } = options;
      const resolved = resolveDetectOptions(detectorKind, detectOptions);
      validateImage(image, maxPixels);
      const progress = new ProgressReporter(onProgress, [['load', 1], ['detect', 1]]);
      throwIfAborted(signal);
      const detector = await detectorModel.get();
      progress.report('load', 1, 1);
      if (yieldToHost) await yieldToHost();
      throwIfAborted(signal);
      const faces = await detector.detect(image, resolved, signal);
      progress.finish('detect');
      return faces;
    },

    async restore(image, options = {}) {
      checkOpen();
      const resolved = resolveRestoreOptions(options);
      const detectOptions = resolveDetectOptions(detectorKind, pickDetectOptions(options));
      validateImage(image, maxPixels);
      checkOutputSize(image, resolved.upscale, maxOutputPixels, 'upscale');
      const { signal } = options;
      const isUpscaling = upsampler !== undefined && resolved.shouldComposite;
      const progress = new ProgressReporter(options.onProgress, [
        // align, restore and paste report inside the faces' range ('restore'), face by face.
        ['load', 2], ['detect', 3], ['restore', isUpscaling ? 40 : 93], ['upscale', isUpscaling ? 53 : 0], ['paste', 2],
      ]);
      throwIfAborted(signal);
      const restorer = await restoreModel.get();
      progress.report('load', 1, 1);
      return runPipeline({
        image,
        detector: detectorModel.get,
        detectOptions,
        restorer,
        options: resolved,
        faces: options.faces,
        progress,
        signal,
        yieldToHost,
        ...(upsampler ? { upsampler } : {}),
      });
    },

    async restoreAligned(image, options = {}) {
      checkOpen();
      const { weight } = resolveAlignedOptions(options);
      validateImage(image, maxPixels);
      const { signal } = options;
      const progress = new ProgressReporter(options.onProgress, [['load', 1], ['restore', 9]]);
      throwIfAborted(signal);
      const r = await restoreModel.get();
      progress.report('load', 1, 1);
      const size = r.descriptor.faceSize;
      const round = isEightBit(image);
      const crop = resize(workingRgbRows(image), size, size, { kernel: 'linear' });
      if (round) for (let i = 0; i < crop.data.length; i++) crop.data[i] = Math.round(crop.data[i]);
      const restored = await restoreFace(r.model, r.contract, r.label, crop, r.descriptor, { weight, round, signal });
      progress.finish('restore');
      return { crop, restored };
    },

    composite(image, result, options) {
      checkOpen();
      validateImage(image, maxPixels);
      if (!is.number(options?.strength) || options.strength < 0 || options.strength > 1) {
        throw invalidOption('strength', 'a number between 0 and 1', options?.strength);
      }
      if (Math.trunc(image.width * result.scale) !== result.width || Math.trunc(image.height * result.scale) !== result.height) {
        throw new RestoreError('INVALID_IMAGE', `composite() needs the image restore() was given (${result.width / result.scale}×${result.height / result.scale}); received ${image.width}×${image.height}`);
      }
      return compositeFaces(image, result, options.strength);
    },

    async warmup(options = {}) {
      checkOpen();
      throwIfAborted(options.signal);
      await Promise.all([options.shouldLoadDetector === false ? undefined : detectorModel.get(), restoreModel.get()]);
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      // Wait for loads in flight so their sessions are released too.
      await Promise.allSettled([detectorModel.peek(), restoreModel.peek()]);
      detectorModel.clear();
      restoreModel.clear();
      await Promise.allSettled(loaded.splice(0).map((m) => m.release()));
    },
  };
}

export type { RestoredFace, RestoreResult };
