/**
 * Alignment: the similarity that takes a face's 5 landmarks onto the model's template, and the crop it produces
 * (`cv2.warpAffine(img, M, (512, 512), borderValue=(135,133,132))`, bilinear).
 */
import type { FloatImage } from './image';
import type { RestoreModelDescriptor } from './models';
import { estimateSimilarity } from './similarity';
import type { Affine, Landmarks5 } from './types';
import { warpAffine } from './warp';

export interface AlignedFace {
  /** Maps input-image pixels to crop pixels. */
  readonly affine: Affine;
  /** The faceSize² RGB crop on the 0..255 scale. */
  readonly crop: FloatImage;
}

/**
 * Aligns one face. `image` is the RGB working image; `round` reproduces the reference's uint8 crop for 8-bit
 * inputs (deeper inputs keep their precision).
 */
export function alignFace(image: FloatImage, landmarks: Landmarks5, model: RestoreModelDescriptor, round: boolean): AlignedFace {
  const affine = estimateSimilarity(landmarks, model.template);
  const size = model.faceSize;
  const crop = warpAffine(image, affine, { x: 0, y: 0, width: size, height: size }, { borderValue: model.borderColor, round });
  return { affine, crop };
}
