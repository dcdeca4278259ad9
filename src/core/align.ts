/**
 * Alignment: the similarity that takes a face's 5 landmarks onto the model's template, and the crop it produces
 * (`cv2.warpAffine(img, M, (512, 512), borderValue=(135,133,132))`, bilinear).
 */
import { toWorkingRgb, type FloatImage, type PixelImage } from './image';
import type { RestoreModelDescriptor } from './models';
import { estimateSimilarity } from './similarity';
import type { Affine, Landmarks5 } from './types';
import { sourceWindow, warpAffine } from './warp';

export interface AlignedFace {
  /** Maps input-image pixels to crop pixels. */
  readonly affine: Affine;
  /** The faceSize² RGB crop on the 0..255 scale. */
  readonly crop: FloatImage;
}

/**
 * Aligns one face of `image` (any engine pixel format; seen as RGB on the 0..255 scale, as toWorkingRgb). Only the
 * window the crop reads is converted to float, so a face costs its own area, not the photo's. `round` reproduces the
 * reference's uint8 crop for 8-bit inputs (deeper inputs keep their precision).
 */
export function alignFace(image: PixelImage, landmarks: Landmarks5, model: RestoreModelDescriptor, round: boolean): AlignedFace {
  const affine = estimateSimilarity(landmarks, model.template);
  const size = model.faceSize;
  const region = { x: 0, y: 0, width: size, height: size };
  const window = sourceWindow(affine, region, image.width, image.height);
  const source = toWorkingRgb(image, window);
  const crop = warpAffine(source, affine, region, {
    borderValue: model.borderColor,
    round,
    sourceWindow: { x: window.x, y: window.y, imageWidth: image.width, imageHeight: image.height },
  });
  return { affine, crop };
}
