/**
 * Paste-back: from a restored 512² face to a placement in document space (the rectangle the face covers, the
 * restored pixels warped into it, and the soft mask), and the composite of placements over a background.
 *
 * Reference: facexlib `get_inverse_affine` + `paste_faces_to_input_image` (square-mask path). The placement is
 * computed on a rectangle around the face rather than the whole canvas; the rectangle carries a margin wide
 * enough that erosion and blur see exactly what they would on the full canvas (zeros), so the values are equal.
 */
import type { FloatImage, PixelImage } from './image';
import { erode, gaussianBlur, softMaskSizes } from './mask';
import type { Affine, Rect } from './types';
import { applyAffine, invertAffine, warpAffine } from './warp';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { abs, ceil, floor, max, min, round, trunc } = Math;

/** What a host needs to build one masked layer, and what the composite is made of. */
export interface Placement {
  /** Integer rectangle in output (document) pixels, inside the canvas. */
  readonly rect: Rect;
  /** Restored face warped into `rect`: 1 (gray) or 3 (RGB) interleaved channels on the 0..255 scale. */
  readonly pixels: FloatImage;
  /** Soft mask for `rect`, 0..1, one value per pixel. */
  readonly mask: Float32Array;
}

/**
 * The crop → output matrix: inverse of the alignment, scaled by `scale`, with facexlib's extra +0.5·scale
 * translation when scale > 1 (its "more precise back alignment").
 */
export function inverseAffine(affine: Affine, scale: number): Affine {
  const inv = invertAffine(affine).map((v) => v * scale);
  const extra = scale > 1 ? 0.5 * scale : 0;
  return [inv[0], inv[1], inv[2] + extra, inv[3], inv[4], inv[5] + extra];
}

/** The rectangle that can hold non-zero mask for a faceSize² crop warped by `inv`, clamped to the canvas. */
function placementRect(inv: Affine, faceSize: number, scale: number, canvasWidth: number, canvasHeight: number): Rect | undefined {
  const corners = [[-1, -1], [faceSize, -1], [-1, faceSize], [faceSize, faceSize]].map(([x, y]) => applyAffine(inv, x, y));
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  // Upper bound of the eroded area (the mask's area is faceSize²·|det|) gives the widest erosion + blur reach.
  const area = faceSize * faceSize * abs(inv[0] * inv[4] - inv[1] * inv[3]);
  const { wEdge } = softMaskSizes(area * 1.05 + 4 * faceSize);
  const margin = 2 * wEdge + ceil(2 * scale) + 4;
  const x0 = max(0, floor(min(...xs)) - margin);
  const y0 = max(0, floor(min(...ys)) - margin);
  const x1 = min(canvasWidth, ceil(max(...xs)) + margin + 1);
  const y1 = min(canvasHeight, ceil(max(...ys)) + margin + 1);
  if (x1 <= x0 || y1 <= y0) return undefined;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

export interface PlacementOptions {
  /** Output scale relative to the input image (the reference's `upscale`). */
  readonly scale: number;
  readonly canvasWidth: number;
  readonly canvasHeight: number;
  /** Round the warped face to integer levels, as the reference's uint8 warp does (8-bit inputs). */
  readonly round: boolean;
  /** 1 to deliver gray pixels (gray documents), 3 for RGB. */
  readonly colorChannels: 1 | 3;
}

/**
 * Builds the placement of one restored face. `affine` maps input-image pixels to the crop (the alignment).
 * Returns undefined when the face lies entirely outside the canvas.
 */
export function placeFace(restored: FloatImage, affine: Affine, options: PlacementOptions): Placement | undefined {
  const { scale, canvasWidth, canvasHeight } = options;
  const size = restored.width;
  const inv = inverseAffine(affine, scale);
  const rect = placementRect(inv, size, scale, canvasWidth, canvasHeight);
  if (!rect) return undefined;
  const n = rect.width * rect.height;
  const ones: FloatImage = { width: size, height: restored.height, channels: 1, data: new Float32Array(size * restored.height).fill(1) };
  const invMask = warpAffine(ones, inv, rect, { borderValue: 0 }).data;
  const erosion = erode(invMask, rect.width, rect.height, trunc(2 * scale));
  let area = 0;
  for (let i = 0; i < n; i++) area += erosion[i];
  const sizes = softMaskSizes(area);
  const center = erode(erosion, rect.width, rect.height, sizes.erosionKernel);
  const fullMask = gaussianBlur(center, rect.width, rect.height, sizes.blurKernel);
  // Only the mask needs the whole rectangle (erosion and blur must see its zeros); the face is warped, and kept, on
  // the mask's bounding box alone: the same pixels, so host layers hold nothing invisible and it costs less.
  const box = nonZeroBox(fullMask, rect.width, rect.height);
  if (!box) return undefined;
  const placed: Rect = { x: rect.x + box.x, y: rect.y + box.y, width: box.width, height: box.height };
  const face = warpAffine(restored, inv, placed, { borderValue: 0, round: options.round }).data;
  const cc = options.colorChannels;
  const m = box.width * box.height;
  const mask = new Float32Array(m);
  const pixels = new Float32Array(m * cc);
  for (let j = 0, i = 0; j < box.height; j++) {
    const from = (box.y + j) * rect.width + box.x;
    mask.set(fullMask.subarray(from, from + box.width), j * box.width);
    for (let k = 0; k < box.width; k++, i++) {
      // pasted_face = inv_mask_erosion · inv_restored (hides the warp's dark fringe).
      const e = erosion[from + k];
      if (cc === 3) {
        pixels[i * 3] = e * face[i * 3];
        pixels[i * 3 + 1] = e * face[i * 3 + 1];
        pixels[i * 3 + 2] = e * face[i * 3 + 2];
      } else {
        // Gray documents stay gray: ITU-R BT.601 luma, as cv2's RGB2GRAY.
        pixels[i] = e * (0.299 * face[i * 3] + 0.587 * face[i * 3 + 1] + 0.114 * face[i * 3 + 2]);
      }
    }
  }
  return { rect: placed, pixels: { width: box.width, height: box.height, channels: cc, data: pixels }, mask };
}

/** The bounding box of a plane's non-zero values (relative to the plane), or undefined when it is all zero. */
function nonZeroBox(plane: Float32Array, width: number, height: number): Rect | undefined {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      if (plane[j * width + i] > 0) {
        if (i < x0) x0 = i;
        if (i > x1) x1 = i;
        if (j < y0) y0 = j;
        if (j > y1) y1 = j;
      }
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Groups placements whose rectangles overlap (transitively), keeping their order within each group. */
function overlapGroups(placements: readonly Placement[]): Array<{ rect: Rect; items: Placement[] }> {
  const groups: Array<{ rect: Rect; items: Placement[] }> = [];
  const touches = (a: Rect, b: Rect): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const union = (a: Rect, b: Rect): Rect => {
    const x = min(a.x, b.x), y = min(a.y, b.y);
    return { x, y, width: max(a.x + a.width, b.x + b.width) - x, height: max(a.y + a.height, b.y + b.height) - y };
  };
  for (const p of placements) {
    let group = { rect: p.rect, items: [p] };
    // Merge every group this one touches; repeat since a merged rectangle can reach further groups.
    for (let merged = true; merged;) {
      merged = false;
      for (let g = 0; g < groups.length; g++) {
        if (!touches(groups[g].rect, group.rect)) continue;
        const other = groups.splice(g, 1)[0];
        group = { rect: union(other.rect, group.rect), items: [...other.items, ...group.items] };
        merged = true;
        break;
      }
    }
    groups.push(group);
  }
  // Compositing order must follow the placements' order within a group.
  for (const g of groups) g.items.sort((a, b) => placements.indexOf(a) - placements.indexOf(b));
  return groups;
}

/**
 * Composites placements into an image in its own pixel format, in place, as stacked layers with opacity
 * `strength` and a layer mask: out = out·(1 − a) + face·a with a = strength·mask (strength 1 is the reference
 * composite). Only the faces' rectangles are converted to float (never the whole image); overlapping faces are
 * blended together in float before one rounding, as the reference's float composite. Alpha is left as it is.
 * Rounding as fromWorking: 8-bit through a clamped view (ties to even), other integers to nearest.
 */
export function compositeOntoPixels(image: PixelImage, placements: readonly Placement[], strength: number): PixelImage {
  const cn = image.channels <= 2 ? 1 : 3;
  for (const p of placements) {
    if (p.pixels.channels !== cn) throw new RangeError(`placement has ${p.pixels.channels} colour channels but the image has ${cn}`);
  }
  for (const { rect, items } of overlapGroups(placements)) {
    const region = readRegion(image, rect, cn);
    for (const p of items) blendInto(region, rect, p, strength);
    writeRegion(image, rect, cn, region);
  }
  return image;
}

/** Blends one placement into a float region (0..255 scale) that covers `rect`. */
function blendInto(region: Float32Array, rect: Rect, p: Placement, strength: number): void {
  const cn = p.pixels.channels;
  const px = p.pixels.data;
  for (let j = 0; j < p.rect.height; j++) {
    let o = ((p.rect.y - rect.y + j) * rect.width + (p.rect.x - rect.x)) * cn;
    let i = j * p.rect.width;
    for (let k = 0; k < p.rect.width; k++, i++, o += cn) {
      const a = strength * p.mask[i];
      if (a === 0) continue;
      for (let c = 0; c < cn; c++) region[o + c] = region[o + c] * (1 - a) + px[i * cn + c] * a;
    }
  }
}

function readRegion(image: PixelImage, rect: Rect, cn: number): Float32Array {
  const out = new Float32Array(rect.width * rect.height * cn);
  const k = 255 / image.maxValue;
  const { channels, data } = image;
  for (let j = 0; j < rect.height; j++) {
    for (let i = 0, s = ((rect.y + j) * image.width + rect.x) * channels, o = j * rect.width * cn; i < rect.width; i++, s += channels, o += cn) {
      for (let c = 0; c < cn; c++) out[o + c] = data[s + c] * k;
    }
  }
  return out;
}

function writeRegion(image: PixelImage, rect: Rect, cn: number, region: Float32Array): void {
  const { channels, maxValue } = image;
  const isFloat = image.data instanceof Float32Array;
  const data = image.data instanceof Uint8Array ? new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length) : image.data;
  const isClamped = data instanceof Uint8ClampedArray;
  const k = maxValue / 255;
  for (let j = 0; j < rect.height; j++) {
    for (let i = 0, d = ((rect.y + j) * image.width + rect.x) * channels, o = j * rect.width * cn; i < rect.width; i++, d += channels, o += cn) {
      for (let c = 0; c < cn; c++) {
        const v = region[o + c] * k;
        data[d + c] = isFloat || isClamped ? v : v <= 0 ? 0 : v >= maxValue ? maxValue : round(v);
      }
    }
  }
}
