import { erode, gaussianBlur, gaussianKernel, softMaskSizes } from './mask';

/** Straightforward erosion over the kernel window, the definition the fast version must equal. */
function naiveErode(src: Float32Array, w: number, h: number, k: number): Float32Array {
  const size = k === 0 ? 3 : k;
  const lo = -(size >> 1), hi = size - 1 + lo;
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let m = Infinity;
    for (let j = y + lo; j <= y + hi; j++) for (let i = x + lo; i <= x + hi; i++) {
      if (i >= 0 && i < w && j >= 0 && j < h) m = Math.min(m, src[j * w + i]);
    }
    out[y * w + x] = m;
  }
  return out;
}

describe('softMaskSizes (facexlib: w_edge = int(√area) // 20)', () => {
  it.each([
    [300 * 300, 15, 30, 31],
    [400 * 400, 20, 40, 41],
    [399, 0, 0, 1], // under 400 px: OpenCV's empty kernel, and a 1×1 blur
    [1600, 2, 4, 5],
    [6399, 3, 6, 7], // √6399 = 79.99 → 79 // 20 = 3
    [6400, 4, 8, 9],
  ])('area %d → w_edge %d, erosion %d, blur %d', (area, wEdge, erosionKernel, blurKernel) => {
    expect(softMaskSizes(area)).toEqual({ wEdge, erosionKernel, blurKernel });
  });
});

describe('erode (cv2.erode, all-ones kernel)', () => {
  const w = 37, h = 23;
  const src = new Float32Array(w * h).map((_, i) => ((i * 7919) % 101) / 100);
  it.each([0, 1, 2, 3, 4, 7, 8, 30])('equals the windowed minimum for k = %d', (k) => {
    expect(Array.from(erode(src, w, h, k))).toEqual(Array.from(naiveErode(src, w, h, k)));
  });

  it('anchors even kernels at k//2: a 2×2 kernel reaches up and left', () => {
    const img = new Float32Array(9).fill(1);
    img[4] = 0; // centre of 3×3
    const out = erode(img, 3, 3, 2);
    // out(x, y) = min over x−1..x, y−1..y: the zero spreads right and down only.
    expect(Array.from(out)).toEqual([1, 1, 1, 1, 0, 0, 1, 0, 0]);
  });

  it('does not erode from the image border (outside counts as +∞)', () => {
    expect(Array.from(erode(new Float32Array(16).fill(1), 4, 4, 3))).toEqual(new Array(16).fill(1));
  });
});

describe('gaussianKernel (cv::getGaussianKernel, σ = 0)', () => {
  it('uses OpenCV 4\'s fixed tables up to 9 taps', () => {
    expect(Array.from(gaussianKernel(3))).toEqual([0.25, 0.5, 0.25]);
    expect(Array.from(gaussianKernel(9))).toEqual([0.015625, 0.05078125, 0.1171875, 0.19921875, 0.234375, 0.19921875, 0.1171875, 0.05078125, 0.015625]);
  });

  it('derives σ = 0.3·((k−1)/2 − 1) + 0.8 beyond (k = 31 → σ = 5.0)', () => {
    const k = gaussianKernel(31);
    const sigma = 0.3 * ((31 - 1) / 2 - 1) + 0.8;
    expect(sigma).toBeCloseTo(5.0, 12);
    expect(k[15] / k[14]).toBeCloseTo(Math.exp(1 / (2 * sigma * sigma)), 5);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});

describe('gaussianBlur (REFLECT_101 border)', () => {
  it('keeps a constant image constant and blurs a step symmetrically', () => {
    const flat = gaussianBlur(new Float32Array(50).fill(0.7), 10, 5, 5);
    for (const v of flat) expect(v).toBeCloseTo(0.7, 6);
    const step = new Float32Array(20);
    for (let i = 0; i < 20; i++) step[i] = i % 10 >= 5 ? 1 : 0; // 10×2, step between x=4 and x=5
    const out = gaussianBlur(step, 10, 2, 3);
    expect(out[4]).toBeCloseTo(0.25, 6);
    expect(out[5]).toBeCloseTo(0.75, 6);
    // Reflect-101 at the right edge: x=9 sees x=8 on both sides.
    expect(out[9]).toBeCloseTo(1, 6);
  });
});
