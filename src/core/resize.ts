/**
 * Separable resampling that reproduces OpenCV's `cv2.resize` (imgwarp/resize.cpp): pixel centres at +0.5,
 * `linear` and `lanczos4` with replicated borders, `area` box-averaging for shrinking. The background resize of the
 * reference pipeline is LANCZOS4; on integer-valued 8-bit data `fixedPoint` reproduces OpenCV's 11-bit fixed-point
 * arithmetic exactly, so backgrounds match the reference bit for bit.
 */
import type { FloatImage } from './image';
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
  const size = ceil(scale) + 2;
  const index = new Int32Array(dstLen * size);
  const weight = new Float64Array(dstLen * size);
  for (let dx = 0; dx < dstLen; dx++) {
    const fsx1 = dx * scale;
    const fsx2 = fsx1 + scale;
    const cellWidth = min(scale, srcLen - fsx1);
    let sx1 = ceil(fsx1);
    const sx2 = min(floor(fsx2), srcLen - 1);
    sx1 = min(sx1, sx2);
    let k = 0;
    const put = (i: number, w: number): void => {
      index[dx * size + k] = clampIndex(i, srcLen);
      weight[dx * size + k] = w;
      k++;
    };
    if (sx1 - fsx1 > 1e-3) put(sx1 - 1, (sx1 - fsx1) / cellWidth);
    for (let sx = sx1; sx < sx2; sx++) put(sx, 1 / cellWidth);
    if (fsx2 - sx2 > 1e-3) put(sx2, min(min(fsx2 - sx2, 1), cellWidth) / cellWidth);
    for (; k < size; k++) index[dx * size + k] = clampIndex(sx1, srcLen);
  }
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

/** Resizes an interleaved float image to `width × height`. Same-size resizes return a copy, as OpenCV does. */
export function resize(src: FloatImage, width: number, height: number, options: ResizeOptions): FloatImage {
  const cn = src.channels;
  if (width === src.width && height === src.height) {
    return { width, height, channels: cn, data: new Float32Array(src.data) };
  }
  const fixed = options.fixedPoint === true && options.kernel === 'lanczos4';
  const tx = makeTaps(src.width, width, options.kernel);
  const ty = makeTaps(src.height, height, options.kernel);
  const coefScale = 2048;
  const wx = fixed ? tx.weight.map((w) => cvRound(w * coefScale)) : tx.weight;
  const wy = fixed ? ty.weight.map((w) => cvRound(w * coefScale)) : ty.weight;

  // Horizontal pass into a (src.height × width) buffer. Fixed-point sums are integers below 2^23, which float32
  // holds exactly; float mode keeps OpenCV's float buffer precision.
  const mid = new Float32Array(src.height * width * cn);
  const s = src.data;
  for (let y = 0; y < src.height; y++) {
    const row = y * src.width * cn;
    const out = y * width * cn;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < cn; c++) {
        let acc = 0;
        for (let k = 0; k < tx.size; k++) {
          const t = x * tx.size + k;
          acc += s[row + tx.index[t] * cn + c] * wx[t];
        }
        mid[out + x * cn + c] = acc;
      }
    }
  }
  // Vertical pass.
  const data = new Float32Array(width * height * cn);
  const rowLen = width * cn;
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let k = 0; k < ty.size; k++) {
      const t = y * ty.size + k;
      const w = wy[t];
      if (w === 0) continue;
      const row = ty.index[t] * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += w * mid[row + i];
    }
    const out = y * rowLen;
    if (fixed) {
      // OpenCV: (sum + 2^21) >> 22, saturated to uint8; float64 holds these integer sums exactly.
      for (let i = 0; i < rowLen; i++) {
        const v = floor((acc[i] + 2097152) / 4194304);
        data[out + i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    } else {
      for (let i = 0; i < rowLen; i++) data[out + i] = acc[i];
    }
  }
  return { width, height, channels: cn, data };
}
