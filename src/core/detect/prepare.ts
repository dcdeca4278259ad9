/**
 * Builds a detector's input tensor from the full-resolution photo, in any of the engine's pixel formats.
 *
 * 1. Shrink (area filter) when the longest side exceeds `detectSize`, or when the image does not fit a fixed model
 *    input. Never enlarge: small faces in small photos are found at their own size.
 * 2. Place the result top-left in the tensor. A fixed dimension (e.g. YuNet's official 640×640 file) is filled
 *    with zero pixels beyond the image, as facefusion and insightface letterbox; a dynamic dimension is padded to
 *    the next multiple of 32, as OpenCV's FaceDetectorYN pads, so every stride divides the feature maps.
 * 3. Convert to the detector's channel order and normalisation, NCHW float32. Padding is a zero *pixel* pushed
 *    through the same normalisation (the references pad a uint8 canvas before normalising).
 *
 * The returned scales map detector-input pixels back to full-resolution pixels.
 */
import { RestoreError } from '../errors';
import { toWorkingRgb, workingRgbRows, type FloatImage, type PixelImage } from '../image';
import { resize } from '../resize';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { ceil, max, min, round } = Math;

/** Channel order and per-channel normalisation: value = (pixel − mean[c]) · scale, `mean` in model channel order. */
export interface PixelSpec {
  readonly order: 'rgb' | 'bgr';
  readonly mean: readonly [number, number, number];
  readonly scale: number;
}

/** The model's spatial input size; `undefined` = dynamic. */
export interface InputGeometry {
  readonly fixedWidth?: number;
  readonly fixedHeight?: number;
}

/** Multiple that dynamic dimensions are padded to: the largest stride of every supported detector. */
export const PAD_MULTIPLE = 32;

export interface InputPlan {
  /** Size of the (possibly shrunk) image inside the tensor. */
  readonly contentWidth: number;
  readonly contentHeight: number;
  /** Tensor spatial size. */
  readonly tensorWidth: number;
  readonly tensorHeight: number;
  /** Full-resolution pixels per detector-input pixel, per axis (≥ 1). */
  readonly scaleX: number;
  readonly scaleY: number;
}

export interface PreparedInput extends InputPlan {
  /** NCHW float32, batch 1, 3 channels. */
  readonly data: Float32Array;
}

function padUp(n: number): number {
  return ceil(n / PAD_MULTIPLE) * PAD_MULTIPLE;
}

/** Works out sizes and scales without touching pixels. */
export function planDetectorInput(width: number, height: number, detectSize: number, geometry: InputGeometry): InputPlan {
  let factor = min(1, detectSize / max(width, height));
  if (geometry.fixedWidth !== undefined) factor = min(factor, geometry.fixedWidth / width);
  if (geometry.fixedHeight !== undefined) factor = min(factor, geometry.fixedHeight / height);
  // Rounding cannot overshoot a limit: width·factor ≤ limit, so its rounding is ≤ limit too.
  const contentWidth = factor < 1 ? max(1, round(width * factor)) : width;
  const contentHeight = factor < 1 ? max(1, round(height * factor)) : height;
  return {
    contentWidth,
    contentHeight,
    tensorWidth: geometry.fixedWidth ?? padUp(contentWidth),
    tensorHeight: geometry.fixedHeight ?? padUp(contentHeight),
    // Per axis, so rounding the shrunk size does not skew the mapped coordinates.
    scaleX: width / contentWidth,
    scaleY: height / contentHeight,
  };
}

/** Writes an interleaved RGB 0..255 image into NCHW planes with the spec's order and normalisation. */
function writePlanes(image: FloatImage, plan: InputPlan, pixels: PixelSpec): Float32Array {
  const { tensorWidth: tw, tensorHeight: th, contentWidth: cw, contentHeight: ch } = plan;
  const planeSize = tw * th;
  const out = new Float32Array(3 * planeSize);
  // Source channel feeding each tensor plane.
  const source = pixels.order === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const src = image.data;
  for (let p = 0; p < 3; p++) {
    const mean = pixels.mean[p];
    const scale = pixels.scale;
    const plane = out.subarray(p * planeSize, (p + 1) * planeSize);
    if (cw < tw || ch < th) plane.fill((0 - mean) * scale);
    const channel = source[p];
    for (let y = 0; y < ch; y++) {
      let s = y * cw * 3 + channel;
      const row = y * tw;
      for (let x = 0; x < cw; x++, s += 3) plane[row + x] = (src[s] - mean) * scale;
    }
  }
  return out;
}

/**
 * Shrinks, places and normalises `image` for a detector. The shrink reads the photo one row at a time on the RGB
 * working scale (toWorkingRgb's values), so a large photo is never copied whole into float.
 */
export function prepareDetectorInput(image: PixelImage, detectSize: number, geometry: InputGeometry, pixels: PixelSpec): PreparedInput {
  if (image.data.length !== image.width * image.height * image.channels) {
    throw new RestoreError(
      'INVALID_IMAGE',
      `Face detection needs ${image.width}×${image.height}×${image.channels} values; received ${image.data.length}`,
    );
  }
  const plan = planDetectorInput(image.width, image.height, detectSize, geometry);
  const content =
    plan.contentWidth === image.width && plan.contentHeight === image.height
      ? toWorkingRgb(image)
      : resize(workingRgbRows(image), plan.contentWidth, plan.contentHeight, { kernel: 'area' });
  return { ...plan, data: writePlanes(content, plan, pixels) };
}
