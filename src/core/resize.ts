/**
 * Separable resampling that reproduces OpenCV's `cv2.resize` (imgwarp/resize.cpp): pixel centres at +0.5,
 * `linear` and `lanczos4` with replicated borders, `area` box-averaging for shrinking. The background resize of the
 * reference pipeline is LANCZOS4; on integer-valued 8-bit data `fixedPoint` reproduces OpenCV's 11-bit fixed-point
 * arithmetic exactly, so backgrounds match the reference bit for bit.
 */
import { rowsOf, type FloatImage, type RowSource } from './image';
import { cvRound } from './numeric';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { abs, ceil, cos, floor, fround, min, sin, PI } = Math;

export type ResizeKernel = 'linear' | 'lanczos4' | 'area';

interface Taps {
  /** Number of taps per output sample. */
  readonly size: number;
  /** Source index per (output, tap), already clamped to the valid range. */
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

const S45 = 0.7071067811865476;
const LANCZOS_CS: ReadonlyArray<readonly [number, number]> = [
  [1, 0], [-S45, -S45], [0, 1], [S45, -S45], [-1, 0], [S45, S45], [0, -1], [-S45, S45],
];

/** OpenCV's interpolateLanczos4: 8 coefficients for taps sx-3..sx+4, normalised in float32. */
export function lanczos4Coefficients(x: number): Float32Array {
  const coeffs = new Float32Array(8);
  const y0 = -(x + 3) * PI * 0.25;
  const s0 = sin(y0);
  const c0 = cos(y0);
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const y0i = fround(x + 3 - i);
    if (abs(y0i) >= 1e-6) {
      const y = -y0i * PI * 0.25;
      coeffs[i] = (LANCZOS_CS[i][0] * s0 + LANCZOS_CS[i][1] * c0) / (y * y);
    } else {
      coeffs[i] = 1e30;
    }
    sum = fround(sum + coeffs[i]);
  }
  const inv = fround(1 / sum);
  for (let i = 0; i < 8; i++) coeffs[i] = fround(coeffs[i] * inv);
  return coeffs;
}

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

function interpolatingTaps(srcLen: number, dstLen: number, kernel: 'linear' | 'lanczos4'): Taps {
  const scale = srcLen / dstLen;
  const size = kernel === 'linear' ? 2 : 8;
  const offset = kernel === 'linear' ? 0 : 3;
  const index = new Int32Array(dstLen * size);
  const weight = new Float64Array(dstLen * size);
  for (let dx = 0; dx < dstLen; dx++) {
    // OpenCV computes fx in float.
    let fx = fround((dx + 0.5) * scale - 0.5);
    let sx = floor(fx);
    fx = fround(fx - sx);
    if (kernel === 'linear') {
      if (sx < 0) { fx = 0; sx = 0; }
      if (sx >= srcLen - 1) { fx = 0; sx = srcLen - 1; }
      weight[dx * 2] = 1 - fx;
      weight[dx * 2 + 1] = fx;
    } else {
      const c = lanczos4Coefficients(fx);
      for (let k = 0; k < 8; k++) weight[dx * 8 + k] = c[k];
    }
    for (let k = 0; k < size; k++) index[dx * size + k] = clampIndex(sx - offset + k, srcLen);
  }
  return { size, index, weight };
}

/** OpenCV's computeResizeAreaTab for shrinking: fractional box coverage per output sample. */
function areaTaps(srcLen: number, dstLen: number): Taps {
  const scale = srcLen / dstLen;
  const lists: { first: number; weights: number[] }[] = [];
  let size = 1;
  for (let dx = 0; dx < dstLen; dx++) {
    const fsx1 = dx * scale;
    const fsx2 = fsx1 + scale;
    const cellWidth = min(scale, srcLen - fsx1);
    let sx1 = ceil(fsx1);
    const sx2 = min(floor(fsx2), srcLen - 1);
    sx1 = min(sx1, sx2);
    const weights: number[] = [];
    let first = sx1;
    if (sx1 - fsx1 > 1e-3) {
      first = sx1 - 1;
      weights.push((sx1 - fsx1) / cellWidth);
    }
    for (let sx = sx1; sx < sx2; sx++) weights.push(1 / cellWidth);
    if (fsx2 - sx2 > 1e-3) weights.push(min(min(fsx2 - sx2, 1), cellWidth) / cellWidth);
    lists.push({ first, weights });
    if (weights.length > size) size = weights.length;
  }
  // Pad every sample to `size` taps with zero weights on the following pixels, so taps stay contiguous.
  const index = new Int32Array(dstLen * size);
  const weight = new Float64Array(dstLen * size);
  lists.forEach(({ first, weights }, dx) => {
    for (let k = 0; k < size; k++) {
      index[dx * size + k] = clampIndex(first + k, srcLen);
      weight[dx * size + k] = weights[k] ?? 0;
    }
  });
  return { size, index, weight };
}

function makeTaps(srcLen: number, dstLen: number, kernel: ResizeKernel): Taps {
  if (kernel === 'area' && dstLen < srcLen) return areaTaps(srcLen, dstLen);
  return interpolatingTaps(srcLen, dstLen, kernel === 'area' ? 'linear' : kernel);
}

export interface ResizeOptions {
  readonly kernel: ResizeKernel;
  /**
   * Reproduce OpenCV's 8-bit fixed-point arithmetic (11-bit coefficients, saturating, rounded results). Only for
   * images holding integer 0..255 values; `linear`/`area` ignore it.
   */
  readonly fixedPoint?: boolean;
}

/**
 * Rows → `width` samples each. Interior taps are contiguous, so their sources are addressed by offset rather than
 * through the index table; the channels of a pixel are accumulated together.
 */
function horizontalPass(src: RowSource, width: number, tx: Taps, wx: Float64Array): Float32Array {
  const cn = src.channels;
  const size = tx.size;
  const mid = new Float32Array(src.height * width * cn);
  const start = new Int32Array(width);
  const contiguous = new Uint8Array(width);
  for (let x = 0; x < width; x++) {
    start[x] = tx.index[x * size];
    let ok = 1;
    for (let k = 1; k < size; k++) if (tx.index[x * size + k] !== start[x] + k) ok = 0;
    contiguous[x] = ok;
  }
  const idx = tx.index;
  for (let y = 0; y < src.height; y++) {
    const s = src.row(y);
    let o = y * width * cn;
    for (let x = 0; x < width; x++, o += cn) {
      const wb = x * size;
      if (cn === 3) {
        let a0 = 0, a1 = 0, a2 = 0;
        if (contiguous[x]) {
          let p = start[x] * 3;
          for (let k = 0; k < size; k++, p += 3) {
            const w = wx[wb + k];
            a0 += s[p] * w;
            a1 += s[p + 1] * w;
            a2 += s[p + 2] * w;
          }
        } else {
          for (let k = 0; k < size; k++) {
            const p = idx[wb + k] * 3;
            const w = wx[wb + k];
            a0 += s[p] * w;
            a1 += s[p + 1] * w;
            a2 += s[p + 2] * w;
          }
        }
        mid[o] = a0;
        mid[o + 1] = a1;
        mid[o + 2] = a2;
      } else {
        for (let c = 0; c < cn; c++) {
          let a = 0;
          for (let k = 0; k < size; k++) a += s[idx[wb + k] * cn + c] * wx[wb + k];
          mid[o + c] = a;
        }
      }
    }
  }
  return mid;
}

/** OpenCV's final fixed-point step: (sum + 2^21) >> 22, saturated to uint8 (float64 holds the integer sums exactly). */
function fixedToUint8(acc: number): number {
  const v = floor((acc + 2097152) / 4194304);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Columns: each output row is a weighted sum of `ty.size` rows of `mid`, one pass per row. */
function verticalPass(mid: Float32Array, rowLen: number, height: number, ty: Taps, wy: Float64Array, fixed: boolean): Float32Array {
  const data = new Float32Array(rowLen * height);
  const size = ty.size;
  const rows = new Int32Array(size);
  const w = new Float64Array(size);
  for (let y = 0; y < height; y++) {
    for (let k = 0; k < size; k++) {
      rows[k] = ty.index[y * size + k] * rowLen;
      w[k] = wy[y * size + k];
    }
    const out = y * rowLen;
    if (size === 8) {
      // Lanczos-4: eight rows, unrolled (the hot case: every background resize).
      const [r0, r1, r2, r3, r4, r5, r6, r7] = rows;
      const [w0, w1, w2, w3, w4, w5, w6, w7] = w;
      for (let i = 0; i < rowLen; i++) {
        const acc = w0 * mid[r0 + i] + w1 * mid[r1 + i] + w2 * mid[r2 + i] + w3 * mid[r3 + i]
          + w4 * mid[r4 + i] + w5 * mid[r5 + i] + w6 * mid[r6 + i] + w7 * mid[r7 + i];
        data[out + i] = fixed ? fixedToUint8(acc) : acc;
      }
    } else {
      for (let i = 0; i < rowLen; i++) {
        let acc = 0;
        for (let k = 0; k < size; k++) acc += w[k] * mid[rows[k] + i];
        data[out + i] = fixed ? fixedToUint8(acc) : acc;
      }
    }
  }
  return data;
}

/**
 * Resizes an interleaved float image to `width × height`. Same-size resizes return a copy, as OpenCV does. The
 * source may be a RowSource (e.g. workingRgbRows of a photo): the horizontal pass reads it one row at a time, so a
 * large photo is never held in float.
 */
export function resize(image: FloatImage | RowSource, width: number, height: number, options: ResizeOptions): FloatImage {
  const src = 'data' in image ? rowsOf(image) : image;
  const cn = src.channels;
  if (width === src.width && height === src.height) {
    const data = new Float32Array(width * height * cn);
    for (let y = 0; y < height; y++) data.set(src.row(y), y * width * cn);
    return { width, height, channels: cn, data };
  }
  const fixed = options.fixedPoint === true && options.kernel === 'lanczos4';
  const tx = makeTaps(src.width, width, options.kernel);
  const ty = makeTaps(src.height, height, options.kernel);
  const coefScale = 2048;
  const wx = fixed ? tx.weight.map((w) => cvRound(w * coefScale)) : tx.weight;
  const wy = fixed ? ty.weight.map((w) => cvRound(w * coefScale)) : ty.weight;


  // Horizontal pass into a (src.height × width) buffer. Fixed-point sums are integers below 2^23, which float32
  // holds exactly; float mode keeps OpenCV's float buffer precision.
  const mid = horizontalPass(src, width, tx, wx);
  const data = verticalPass(mid, width * cn, height, ty, wy, fixed);
  return { width, height, channels: cn, data };
}
