/**
 * The reference's square soft mask (facexlib `paste_faces_to_input_image`, use_parse=False path), built from
 * OpenCV-equivalent morphology and blur:
 *   inv_mask          = warpAffine(ones(512×512), inverse_affine)            (bilinear, border 0)
 *   inv_mask_erosion  = erode(inv_mask, ones(int(2·scale)²))                 (removes the warp's black fringe)
 *   w_edge            = int(√Σ inv_mask_erosion) // 20
 *   inv_mask_center   = erode(inv_mask_erosion, ones((2·w_edge)²))
 *   inv_soft_mask     = GaussianBlur(inv_mask_center, (2·w_edge+1)², σ=0)
 */

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { exp, floor, max, min, sqrt } = Math;
const INF = Infinity;

/** Kernel sizes the reference derives from the eroded mask's area (output-space pixels). */
export interface SoftMaskSizes {
  readonly wEdge: number;
  /** Side of the centre erosion kernel (2·wEdge; OpenCV turns an empty 0×0 kernel into 3×3). */
  readonly erosionKernel: number;
  /** Side of the Gaussian kernel (2·wEdge + 1). */
  readonly blurKernel: number;
}

export function softMaskSizes(faceArea: number): SoftMaskSizes {
  const wEdge = floor(floor(sqrt(faceArea)) / 20);
  return { wEdge, erosionKernel: 2 * wEdge, blurKernel: 2 * wEdge + 1 };
}

/**
 * Sliding-window minimum over [i + lo, i + hi] of a strided 1-D line, out-of-range samples counting as +∞.
 * van Herk / Gil-Werman: three passes whatever the window length, so large faces cost no more per pixel.
 */
function minLine(src: Float32Array, offset: number, stride: number, n: number, lo: number, hi: number, out: Float32Array, buf: Float32Array): void {
  const k = hi - lo + 1;
  const len = n + k - 1; // padded line covering indices lo .. n-1+hi
  const g = buf.subarray(0, len);
  const h = buf.subarray(len, 2 * len);
  for (let j = 0; j < len; j++) {
    const i = j + lo;
    const v = i >= 0 && i < n ? src[offset + i * stride] : INF;
    g[j] = j % k === 0 ? v : min(g[j - 1], v);
  }
  for (let j = len - 1; j >= 0; j--) {
    const i = j + lo;
    const v = i >= 0 && i < n ? src[offset + i * stride] : INF;
    h[j] = j === len - 1 || (j + 1) % k === 0 ? v : min(h[j + 1], v);
  }
  for (let i = 0; i < n; i++) out[offset + i * stride] = min(h[i], g[i + k - 1]);
}

/**
 * cv2.erode with an all-ones k×k kernel: a min filter over offsets [−⌊k/2⌋, k−1−⌊k/2⌋] (the anchor is k//2, so
 * even kernels reach one pixel further up/left). Pixels outside the image count as +∞, so the image border does
 * not erode. k = 0 is OpenCV's empty kernel, which means 3×3.
 */
export function erode(src: Float32Array, width: number, height: number, k: number): Float32Array {
  const size = k === 0 ? 3 : k;
  if (size === 1) return new Float32Array(src);
  const lo = -(size >> 1);
  const hi = size - 1 + lo;
  const buf = new Float32Array(2 * (max(width, height) + size));
  const tmp = new Float32Array(src.length);
  for (let y = 0; y < height; y++) minLine(src, y * width, 1, width, lo, hi, tmp, buf);
  const out = new Float32Array(src.length);
  for (let x = 0; x < width; x++) minLine(tmp, x, width, height, lo, hi, out, buf);
  return out;
}

const SMALL_GAUSSIAN: readonly (readonly number[])[] = [
  [1],
  [0.25, 0.5, 0.25],
  [0.0625, 0.25, 0.375, 0.25, 0.0625],
  [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
  [0.015625, 0.05078125, 0.1171875, 0.19921875, 0.234375, 0.19921875, 0.1171875, 0.05078125, 0.015625],
];

/** cv::getGaussianKernel(n, sigma ≤ 0, CV_32F): OpenCV 4's fixed tables for odd n ≤ 9, else σ = 0.3·((n−1)/2 − 1) + 0.8. */
export function gaussianKernel(n: number): Float32Array {
  const k = new Float32Array(n);
  const fixed = n % 2 === 1 && n <= 9 ? SMALL_GAUSSIAN[n >> 1] : undefined;
  const sigma = ((n - 1) * 0.5 - 1) * 0.3 + 0.8;
  const scale2 = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = i - (n - 1) * 0.5;
    k[i] = fixed ? fixed[i] : exp(scale2 * x * x);
    sum += k[i];
  }
  const inv = 1 / sum;
  for (let i = 0; i < n; i++) k[i] = k[i] * inv;
  return k;
}

/** BORDER_REFLECT_101 index (…2 1 | 0 1 2 … n−2 n−1 | n−2 …). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/**
 * cv2.GaussianBlur(src, (n, n), 0) on a single float plane with the default REFLECT_101 border.
 *
 * Soft masks are constant (0 or 1) almost everywhere, and a window of equal values blurs to that value, so each pass
 * convolves only where its window holds a change (found from running counts of changes). Elsewhere the value is
 * copied, which differs from OpenCV's float sum by at most an ulp.
 */
export function gaussianBlur(src: Float32Array, width: number, height: number, n: number): Float32Array {
  if (n <= 1) return new Float32Array(src);
  const k = gaussianKernel(n);
  const r = n >> 1;
  const tmp = new Float32Array(src.length);
  const xIndex = new Int32Array(width + 2 * r);
  for (let i = 0; i < xIndex.length; i++) xIndex[i] = reflect101(i - r, width);
  const changes = new Int32Array(max(width, height));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    // changes[x] = number of i ≤ x with src[i] ≠ src[i − 1]: a window [a, b] is constant iff changes[b] = changes[a].
    changes[0] = 0;
    for (let x = 1; x < width; x++) changes[x] = changes[x - 1] + (src[row + x] !== src[row + x - 1] ? 1 : 0);
    for (let x = 0; x < width; x++) {
      // Reflected taps stay inside the clamped window, so its constancy decides.
      if (changes[min(width - 1, x + r)] === changes[max(0, x - r)]) {
        tmp[row + x] = src[row + x];
        continue;
      }
      let acc = 0;
      for (let t = 0; t < n; t++) acc += k[t] * src[row + xIndex[x + t]];
      tmp[row + x] = acc;
    }
  }
  const out = new Float32Array(src.length);
  // Per column running counts of vertical changes.
  const colChanges = new Int32Array(src.length);
  for (let y = 1; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      colChanges[i] = colChanges[i - width] + (tmp[i] !== tmp[i - width] ? 1 : 0);
    }
  }
  const rows = new Int32Array(n);
  for (let y = 0; y < height; y++) {
    for (let t = 0; t < n; t++) rows[t] = reflect101(y - r + t, height) * width;
    const top = max(0, y - r) * width;
    const bottom = min(height - 1, y + r) * width;
    for (let x = 0; x < width; x++) {
      if (colChanges[bottom + x] === colChanges[top + x]) {
        out[y * width + x] = tmp[y * width + x];
        continue;
      }
      let acc = 0;
      for (let t = 0; t < n; t++) acc += k[t] * tmp[rows[t] + x];
      out[y * width + x] = acc;
    }
  }
  return out;
}
