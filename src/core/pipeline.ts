/**
 * One restoration run over one image: detect → align → restore → place → composite. Host-free; models arrive
 * already loaded and checked.
 */
import { alignFace } from './align';
import type { FaceDetector, ResolvedDetectOptions } from './detect/types';
import { throwIfAborted, type AbortSignalLike } from './errors';
import { colorChannels, extractAlpha, fromWorking, isEightBit, toWorkingColor, type FloatImage, type PixelImage } from './image';
import type { RestoreModelDescriptor } from './models';
import type { ResolvedRestoreOptions } from './options';
import { compositeOntoPixels, placeFace, type Placement } from './paste';
import type { Upsampler } from './upsampler';
import type { ProgressReporter } from './progress';
import { resize } from './resize';
import { restoreFace, type RestoreContract } from './restore';
import type { LoadedModel } from './runtime';
import type { Affine, DetectedFace } from './types';

/** One restored face: its detection, alignment, the model's input and output, and its placement. */
export interface RestoredFace extends DetectedFace {
  /** Maps input-image pixels to crop pixels. */
  readonly affine: Affine;
  /** The aligned faceSize² crop fed to the model (RGB, 0..255 scale). */
  readonly crop: FloatImage;
  /** The model's restored face (RGB, 0..255 scale). */
  readonly restored: FloatImage;
  /** Where the face goes in the output canvas; undefined if it falls entirely outside. */
  readonly placement: Placement | undefined;
}

export interface RestoreResult {
  /** Output canvas size (input size × scale). */
  readonly width: number;
  readonly height: number;
  readonly scale: number;
  readonly faces: readonly RestoredFace[];
  /** The composite in the input's pixel format, channels and maxValue; undefined when not requested. */
  readonly image: PixelImage | undefined;
  /** The upsampler's background (before faces), kept so `composite()` can re-blend without running it again. */
  readonly background?: PixelImage;
}

export interface RestoreModels {
  readonly model: LoadedModel;
  readonly contract: RestoreContract;
  readonly label: string;
  readonly descriptor: RestoreModelDescriptor;
}

export interface PipelineInput {
  readonly image: PixelImage;
  readonly detector: () => Promise<FaceDetector>;
  readonly detectOptions: ResolvedDetectOptions;
  readonly restorer: RestoreModels;
  readonly options: ResolvedRestoreOptions;
  readonly faces: readonly DetectedFace[] | undefined;
  readonly progress: ProgressReporter;
  readonly signal: AbortSignalLike | undefined;
  /** Awaited before each model run so the host's UI can breathe (see RestorerConfig.yieldToHost). */
  readonly yieldToHost?: () => Promise<void>;
  /** Makes the background at the output scale (a super-resolution network); default a Lanczos-4 resize. */
  readonly upsampler?: Upsampler;
}

/** Background at the output scale: the reference resizes with LANCZOS4 (uint8 fixed point for 8-bit inputs). */
export function scaleBackground(color: FloatImage, scale: number, isEightBitInput: boolean): FloatImage {
  if (scale === 1) return color;
  return resize(color, Math.trunc(color.width * scale), Math.trunc(color.height * scale), { kernel: 'lanczos4', fixedPoint: isEightBitInput });
}

/** The Lanczos-4 background in the input's format (alpha resized alongside), ready for compositeOntoPixels. */
function lanczosBackground(image: PixelImage, scale: number): PixelImage {
  // At ×1 the background is the image itself: integer pixels survive the working-scale round trip unchanged, so
  // copy them instead (float pixels take the round trip, as they always have).
  if (scale === 1 && !(image.data instanceof Float32Array)) return copyImage(image);
  const background = scaleBackground(toWorkingColor(image), scale, isEightBit(image));
  let alpha = extractAlpha(image);
  if (alpha && scale !== 1) alpha = resize(alpha, background.width, background.height, { kernel: 'lanczos4' });
  return fromWorking(background, alpha, image);
}

function copyImage(image: PixelImage): PixelImage {
  return { ...image, data: image.data.slice() };
}

export async function runPipeline(input: PipelineInput): Promise<RestoreResult> {
  const { image, options, progress, signal, restorer } = input;
  const round = isEightBit(image);
  // No float copy of the whole photo: detection reads it row by row and alignment converts each face's window.
  let faces = input.faces;
  if (!faces) {
    const detector = await input.detector();
    if (input.yieldToHost) await input.yieldToHost();
    throwIfAborted(signal);
    progress.report('detect', 0, 1);
    faces = await detector.detect(image, input.detectOptions, signal);
    progress.report('detect', 1, 1);
  }
  const scale = options.upscale;
  const width = Math.trunc(image.width * scale);
  const height = Math.trunc(image.height * scale);
  const cc = colorChannels(image);
  const restoredFaces: RestoredFace[] = [];
  for (let i = 0; i < faces.length; i++) {
    if (input.yieldToHost) await input.yieldToHost();
    throwIfAborted(signal);
    const face = faces[i];
    const { affine, crop } = alignFace(image, face.landmarks, restorer.descriptor, round);
    progress.reportIn('restore', 'align', i + 1, faces.length, (i + 0.02) / faces.length);
    const restored = await restoreFace(restorer.model, restorer.contract, restorer.label, crop, restorer.descriptor, {
      weight: options.weight,
      round,
      signal,
    });
    progress.reportIn('restore', 'restore', i + 1, faces.length, (i + 0.98) / faces.length);
    const placement = placeFace(restored, affine, { scale, canvasWidth: width, canvasHeight: height, round, colorChannels: cc });
    progress.reportIn('restore', 'paste', i + 1, faces.length, (i + 1) / faces.length);
    restoredFaces.push({ ...face, affine, crop, restored, placement });
  }
  throwIfAborted(signal);
  let composite: PixelImage | undefined;
  let background: PixelImage | undefined;
  if (options.shouldComposite && input.upsampler) {
    background = await input.upsampler.upscale(image, {
      scale,
      ...(options.tile === undefined ? {} : { tile: options.tile }),
      signal,
      onProgress: (e) => { if (e.stage === 'upscale') progress.report('upscale', e.done, e.total); },
    });
    composite = compositeOntoPixels(copyImage(background), placementsOf(restoredFaces), options.strength);
  } else if (options.shouldComposite) {
    composite = compositeOntoPixels(lanczosBackground(image, scale), placementsOf(restoredFaces), options.strength);
  }
  progress.finish('paste', faces.length, faces.length);
  return { width, height, scale, faces: restoredFaces, image: composite, ...(background ? { background } : {}) };
}

function placementsOf(faces: readonly { readonly placement: Placement | undefined }[]): Placement[] {
  return faces.map((f) => f.placement).filter((p): p is Placement => p !== undefined);
}

/**
 * Composites restored faces at `strength` over the result's background: the upsampler's (kept in the result) or
 * a Lanczos-4 resize of `image`. Returns an image in the input's format. Costs no model run.
 */
export function compositeFaces(
  image: PixelImage,
  result: Pick<RestoreResult, 'faces' | 'scale' | 'background'>,
  strength: number,
): PixelImage {
  const background = result.background ? copyImage(result.background) : lanczosBackground(image, result.scale);
  return compositeOntoPixels(background, placementsOf(result.faces), strength);
}
