/**
 * Separable resampling of a *region*: computes the pixels of a destination rectangle (in global output
 * coordinates) from planes that hold only part of the source. Because each output pixel depends only on source
 * pixels within the kernel's reach, tiles resampled this way join into exactly the whole-image result.
 *
 * Mapping: pixel centres at +0.5 (as OpenCV, Pillow and sharp), u = (X + 0.5)·ratio − 0.5 with `ratio` = source
 * pixels per destination pixel. `lanczos3` widens its kernel by the ratio when shrinking (antialiased, as
 * Pillow/sharp's LANCZOS), so downscaling a ×4 network result to ×2 does not alias. `linear` is OpenCV's
 * INTER_LINEAR (used for alpha, as Real-ESRGAN does). Outside the planes the edge is replicated.
 */
import type { Rect } from './types';

const { abs, floor, max, min, sin, PI } = Math;

export type ResampleKernel = 'lanczos3' | 'linear';

/** `channels` planes of width×height floats whose pixel (0, 0) is global source pixel (originX, originY). */
export interface PlaneRegion {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly originX: number;
  readonly originY: number;
}

interface AxisTaps {
  readonly size: number;
  /** Local source index per (output, tap), clamped into the region. */
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = PI * x;
  return (3 * sin(px) * sin(px / 3)) / (px * px);
}

function axisTaps(start: number, count: number, ratio: number, origin: number, length: number, kernel: ResampleKernel): AxisTaps {
  const stretch = kernel === 'lanczos3' ? max(1, ratio) : 1;
  const support = kernel === 'lanczos3' ? 3 * stretch : 1;
  const size = kernel === 'lanczos3' ? 2 * Math.ceil(support) + 1 : 2;
  const index = new Int32Array(count * size);
  const weight = new Float32Array(count * size);
  const clampLocal = (g: number): number => min(length - 1, max(0, g - origin));
  for (let d = 0; d < count; d++) {
    const u = (start + d + 0.5) * ratio - 0.5;
    const o = d * size;
    if (kernel === 'linear') {
      const x0 = floor(u);
      const f = u - x0;
      index[o] = clampLocal(x0);
      index[o + 1] = clampLocal(x0 + 1);
      weight[o] = 1 - f;
      weight[o + 1] = f;
      continue;
    }
    const first = floor(u - support) + 1;
    let sum = 0;
    for (let t = 0; t < size; t++) {
      const j = first + t;
      const w = abs(j - u) < support ? lanczos3((j - u) / stretch) : 0;
      index[o + t] = clampLocal(j);
      weight[o + t] = w;
      sum += w;
    }
    for (let t = 0; t < size; t++) weight[o + t] /= sum;
  }
  return { size, index, weight };
}

/**
 * The `dst` rectangle (global destination pixels) resampled from `src`, as `src.channels` planes of
 * dst.width×dst.height.
 */
export function resampleRegion(src: PlaneRegion, dst: Rect, ratio: number, kernel: ResampleKernel): Float32Array {
  const { data, width, height, channels } = src;
  const xt = axisTaps(dst.x, dst.width, ratio, src.originX, width, kernel);
  const yt = axisTaps(dst.y, dst.height, ratio, src.originY, height, kernel);
  // Only the source rows the vertical taps reach go through the horizontal pass.
  let r0 = height, r1 = -1;
  for (let i = 0; i < yt.index.length; i++) {
    if (yt.weight[i] !== 0) {
      r0 = min(r0, yt.index[i]);
      r1 = max(r1, yt.index[i]);
    }
  }
  const rows = max(0, r1 - r0 + 1);
  const dw = dst.width, dh = dst.height;
  const out = new Float32Array(channels * dw * dh);
  const tmp = new Float32Array(rows * dw);
  for (let c = 0; c < channels; c++) {
    const plane = c * width * height;
    for (let r = 0; r < rows; r++) {
      const srow = plane + (r0 + r) * width;
      for (let x = 0; x < dw; x++) {
        let acc = 0;
        for (let t = 0, o = x * xt.size; t < xt.size; t++, o++) acc += data[srow + xt.index[o]] * xt.weight[o];
        tmp[r * dw + x] = acc;
      }
    }
    const oplane = c * dw * dh;
    for (let y = 0; y < dh; y++) {
      const orow = oplane + y * dw;
      for (let t = 0, o = y * yt.size; t < yt.size; t++, o++) {
        const w = yt.weight[o];
        if (w === 0) continue;
        const trow = (yt.index[o] - r0) * dw;
        for (let x = 0; x < dw; x++) out[orow + x] += tmp[trow + x] * w;
      }
    }
  }
  return out;
}
