/**
 * One restoration run over one image: detect → align → restore → place → composite. Host-free; models arrive
 * already loaded and checked.
 */
import { alignFace } from './align';
import type { FaceDetector, ResolvedDetectOptions } from './detect/types';
import { throwIfAborted, type AbortSignalLike } from './errors';
import { colorChannels, extractAlpha, fromWorking, isEightBit, toWorkingColor, toWorkingRgb, type FloatImage, type PixelImage } from './image';
import type { RestoreModelDescriptor } from './models';
import type { ResolvedRestoreOptions } from './options';
import { compositeInPlace, placeFace, type Placement } from './paste';
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
}

/** Background at the output scale: the reference resizes with LANCZOS4 (uint8 fixed point for 8-bit inputs). */
export function scaleBackground(color: FloatImage, scale: number, isEightBitInput: boolean): FloatImage {
  if (scale === 1) return color;
  return resize(color, Math.trunc(color.width * scale), Math.trunc(color.height * scale), { kernel: 'lanczos4', fixedPoint: isEightBitInput });
}

export async function runPipeline(input: PipelineInput): Promise<RestoreResult> {
  const { image, options, progress, signal, restorer } = input;
  const round = isEightBit(image);
  const rgb = toWorkingRgb(image);
  let faces = input.faces;
  if (!faces) {
    const detector = await input.detector();
    if (input.yieldToHost) await input.yieldToHost();
    throwIfAborted(signal);
    progress.report('detect', 0, 1);
    faces = await detector.detect(rgb, input.detectOptions, signal);
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
    const { affine, crop } = alignFace(rgb, face.landmarks, restorer.descriptor, round);
    progress.report('align', i + 1, faces.length);
    const restored = await restoreFace(restorer.model, restorer.contract, restorer.label, crop, restorer.descriptor, {
      weight: options.weight,
      round,
      signal,
    });
    progress.report('restore', i + 1, faces.length);
    const placement = placeFace(restored, affine, { scale, canvasWidth: width, canvasHeight: height, round, colorChannels: cc });
    progress.report('paste', i + 1, faces.length);
    restoredFaces.push({ ...face, affine, crop, restored, placement });
  }
  throwIfAborted(signal);
  let composite: PixelImage | undefined;
  if (options.shouldComposite) {
    composite = compositeFaces(image, restoredFaces, { strength: options.strength, scale }, rgb);
  }
  progress.finish('paste', faces.length, faces.length);
  return { width, height, scale, faces: restoredFaces, image: composite };
}

/**
 * Composites restored faces over `image` at `scale` with `strength`, returning an image in the input's format.
 * Re-blending at another strength costs only this call (no model runs). `rgb` may pass the RGB working copy of
 * `image`, which is then consumed (composited in place) instead of copied.
 */
export function compositeFaces(
  image: PixelImage,
  faces: readonly { readonly placement: Placement | undefined }[],
  options: { readonly strength: number; readonly scale: number },
  rgb?: FloatImage,
): PixelImage {
  const cc = colorChannels(image);
  const eight = isEightBit(image);
  // Reuse the RGB working copy as the background when the image is RGB (saves a full-size buffer).
  const base = cc === 3 && rgb ? rgb : toWorkingColor(image);
  const background = scaleBackground(base, options.scale, eight);
  const placements = faces.map((f) => f.placement).filter((p): p is Placement => p !== undefined);
  compositeInPlace(background, placements, options.strength);
  let alpha = extractAlpha(image);
  if (alpha && options.scale !== 1) {
    alpha = resize(alpha, background.width, background.height, { kernel: 'lanczos4' });
  }
  return fromWorking(background, alpha, image);
}
