/**
 * Bilinear affine warp reproducing `cv2.warpAffine(src, M, dsize)` (imgwarp.cpp): the destination→source map is
 * M inverted in double, coordinates are fixed-point with 10 fractional bits and quantised to 1/32 pixel
 * (INTER_BITS = 5), and the four taps are blended with the table weights. With BORDER_CONSTANT a tap outside the
 * source takes the border value. On integer 8-bit data `round` gives OpenCV's uint8 result exactly
 * ((Σ + 2^14) >> 15 with 15-bit weights is floor(Σ + 0.5) with the exact dyadic weights used here).
 *
 * Only a rectangle of the destination is computed, with absolute coordinates, so a face's placement costs its own
 * area rather than the whole canvas, and equals the same pixels of a full-canvas warp.
 */
import type { FloatImage } from './image';
import { cvRound } from './numeric';
import type { Affine, Rect } from './types';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { floor } = Math;

/** cv2.invertAffineTransform. */
export function invertAffine(m: Affine): Affine {
  let d = m[0] * m[4] - m[1] * m[3];
  d = d !== 0 ? 1 / d : 0;
  const a11 = m[4] * d, a12 = -m[1] * d, a21 = -m[3] * d, a22 = m[0] * d;
  const b1 = -a11 * m[2] - a12 * m[5];
  const b2 = -a21 * m[2] - a22 * m[5];
  return [a11, a12, b1, a21, a22, b2];
}

/** Applies an affine matrix to a point. */
export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export interface WarpOptions {
  /** Value of source pixels outside the image, one per channel (or one for all). Default 0. */
  readonly borderValue?: number | readonly number[];
  /** Round results to integers and clamp to 0..255, like OpenCV's uint8 warp. Default false (float result). */
  readonly round?: boolean;
  /**
   * `src` is only a window of the real source: its top-left pixel sits at (x, y) of an imageWidth × imageHeight image. Taps
   * are tested against the real image's bounds, so the result equals a warp of the whole image as long as the
   * window holds every tap inside it (see sourceWindow). Lets alignment convert a face's surroundings, not the photo.
   */
  readonly sourceWindow?: { readonly x: number; readonly y: number; readonly imageWidth: number; readonly imageHeight: number };
}

const AB_BITS = 10;
const AB_SCALE = 1 << AB_BITS;
const INTER_BITS = 5;
const INTER_TAB = 1 << INTER_BITS;
const ROUND_DELTA = AB_SCALE / INTER_TAB / 2;

/** OpenCV's 32×32 bilinear table as exact dyadic weights: 4 per (fy, fx), at ((fy << 5) | fx) << 2. */
const WEIGHTS = (() => {
  const t = new Float64Array(INTER_TAB * INTER_TAB * 4);
  for (let fy = 0; fy < INTER_TAB; fy++) {
    for (let fx = 0; fx < INTER_TAB; fx++) {
      const i = ((fy << INTER_BITS) | fx) << 2;
      t[i] = ((INTER_TAB - fx) * (INTER_TAB - fy)) / 1024;
      t[i + 1] = (fx * (INTER_TAB - fy)) / 1024;
      t[i + 2] = ((INTER_TAB - fx) * fy) / 1024;
      t[i + 3] = (fx * fy) / 1024;
    }
  }
  return t;
})();

/**
 * Warps `src` by `matrix` (source → destination, as passed to cv2.warpAffine) and returns the destination
 * pixels inside `region` (absolute destination coordinates).
 */
export function warpAffine(src: FloatImage, matrix: Affine, region: Rect, options: WarpOptions = {}): FloatImage {
  const m = invertAffine(matrix);
  const cn = src.channels;
  const { x: rx, y: ry, width, height } = region;
  const border = new Float64Array(cn);
  const bv = options.borderValue ?? 0;
  for (let c = 0; c < cn; c++) border[c] = typeof bv === 'number' ? bv : (bv[c] ?? 0);
  const shouldRound = options.round === true;
  const out = new Float32Array(width * height * cn);
  const win = options.sourceWindow;
  // Bounds of the real source; offsets of the window inside it.
  const sw = win ? win.imageWidth : src.width, sh = win ? win.imageHeight : src.height;
  const ox = win ? win.x : 0, oy = win ? win.y : 0;
  const rowStride = src.width, s = src.data;
  const adelta = new Int32Array(width);
  const bdelta = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    adelta[x] = cvRound(m[0] * (x + rx) * AB_SCALE);
    bdelta[x] = cvRound(m[3] * (x + rx) * AB_SCALE);
  }
  const v = new Float64Array(4);
  for (let y = 0; y < height; y++) {
    const yy = y + ry;
    const x0 = cvRound((m[1] * yy + m[2]) * AB_SCALE) + ROUND_DELTA;
    const y0 = cvRound((m[4] * yy + m[5]) * AB_SCALE) + ROUND_DELTA;
    for (let x = 0; x < width; x++) {
      const X = (x0 + adelta[x]) >> (AB_BITS - INTER_BITS);
      const Y = (y0 + bdelta[x]) >> (AB_BITS - INTER_BITS);
      const sx = X >> INTER_BITS;
      const sy = Y >> INTER_BITS;
      const fx = X & (INTER_TAB - 1);
      const fy = Y & (INTER_TAB - 1);
      const o = (y * width + x) * cn;
      if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) {
        for (let c = 0; c < cn; c++) out[o + c] = border[c];
        continue;
      }
      const wi = ((fy << INTER_BITS) | fx) << 2;
      const w0 = WEIGHTS[wi], w1 = WEIGHTS[wi + 1], w2 = WEIGHTS[wi + 2], w3 = WEIGHTS[wi + 3];
      const inX0 = sx >= 0, inX1 = sx + 1 < sw, inY0 = sy >= 0, inY1 = sy + 1 < sh;
      const p00 = ((sy - oy) * rowStride + (sx - ox)) * cn;
      const p10 = p00 + rowStride * cn;
      if (inX0 && inX1 && inY0 && inY1) {
        // All four taps inside (nearly every pixel): the same sum in the same order, without the border checks.
        if (cn === 3) {
          let r = s[p00] * w0 + s[p00 + 3] * w1 + s[p10] * w2 + s[p10 + 3] * w3;
          let g = s[p00 + 1] * w0 + s[p00 + 4] * w1 + s[p10 + 1] * w2 + s[p10 + 4] * w3;
          let b = s[p00 + 2] * w0 + s[p00 + 5] * w1 + s[p10 + 2] * w2 + s[p10 + 5] * w3;
          if (shouldRound) {
            r = floor(r + 0.5);
            g = floor(g + 0.5);
            b = floor(b + 0.5);
            r = r < 0 ? 0 : r > 255 ? 255 : r;
            g = g < 0 ? 0 : g > 255 ? 255 : g;
            b = b < 0 ? 0 : b > 255 ? 255 : b;
          }
          out[o] = r;
          out[o + 1] = g;
          out[o + 2] = b;
          continue;
        }
        for (let c = 0; c < cn; c++) {
          let r = s[p00 + c] * w0 + s[p00 + cn + c] * w1 + s[p10 + c] * w2 + s[p10 + cn + c] * w3;
          if (shouldRound) {
            r = floor(r + 0.5);
            r = r < 0 ? 0 : r > 255 ? 255 : r;
          }
          out[o + c] = r;
        }
        continue;
      }
      for (let c = 0; c < cn; c++) {
        v[0] = inY0 && inX0 ? s[p00 + c] : border[c];
        v[1] = inY0 && inX1 ? s[p00 + cn + c] : border[c];
        v[2] = inY1 && inX0 ? s[p10 + c] : border[c];
        v[3] = inY1 && inX1 ? s[p10 + cn + c] : border[c];
        let r = v[0] * w0 + v[1] * w1 + v[2] * w2 + v[3] * w3;
        if (shouldRound) {
          r = floor(r + 0.5);
          r = r < 0 ? 0 : r > 255 ? 255 : r;
        }
        out[o + c] = r;
      }
    }
  }
  return { width, height, channels: cn, data: out };
}

/**
 * The part of a `sourceWidth × sourceHeight` image that warping `region` by `matrix` can read: the region's corners
 * mapped back, widened by 2 pixels for the bilinear taps and OpenCV's 1/32-pixel rounding, clamped to the image.
 * Empty (zero width or height) when the region sees none of the image.
 */
export function sourceWindow(matrix: Affine, region: Rect, sourceWidth: number, sourceHeight: number): Rect {
  const m = invertAffine(matrix);
  const { x, y, width, height } = region;
  const corners = [[x, y], [x + width, y], [x, y + height], [x + width, y + height]].map(([cx, cy]) => applyAffine(m, cx, cy));
  const xs = corners.map((c) => c[0]), ys = corners.map((c) => c[1]);
  const x0 = Math.max(0, floor(Math.min(...xs)) - 2), y0 = Math.max(0, floor(Math.min(...ys)) - 2);
  const x1 = Math.min(sourceWidth, floor(Math.max(...xs)) + 3), y1 = Math.min(sourceHeight, floor(Math.max(...ys)) + 3);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}
