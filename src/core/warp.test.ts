import type { FloatImage } from './image';
import { applyAffine, invertAffine, sourceWindow, warpAffine } from './warp';

function ramp(width: number, height: number): FloatImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = 10 * x + 3 * y;
  return { width, height, channels: 1, data };
}

describe('invertAffine (cv2.invertAffineTransform)', () => {
  it('inverts a similarity', () => {
    const m = [1.5, -0.4, 12, 0.4, 1.5, -7] as const;
    const inv = invertAffine(m);
    const [x, y] = applyAffine(inv, ...applyAffine(m, 33, 71));
    expect(x).toBeCloseTo(33, 10);
    expect(y).toBeCloseTo(71, 10);
  });
});

describe('warpAffine (cv2.warpAffine, bilinear)', () => {
  it('copies with the identity matrix', () => {
    const src = ramp(9, 7);
    const out = warpAffine(src, [1, 0, 0, 0, 1, 0], { x: 0, y: 0, width: 9, height: 7 });
    expect(Array.from(out.data)).toEqual(Array.from(src.data));
  });

  it('interpolates a half-pixel shift as the average of neighbours (1/32 quantisation is exact at 0.5)', () => {
    const src = ramp(6, 4);
    // dst(x, y) = src(x + 0.5, y): the matrix maps src → dst, so it translates by −0.5.
    const out = warpAffine(src, [1, 0, -0.5, 0, 1, 0], { x: 0, y: 0, width: 5, height: 4 });
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) expect(out.data[y * 5 + x]).toBeCloseTo(10 * (x + 0.5) + 3 * y, 5);
  });

  it('quantises sub-pixel positions to 1/32 px as OpenCV (0.3 px → 10/32)', () => {
    const src = ramp(4, 1);
    const out = warpAffine(src, [1, 0, -0.3, 0, 1, 0], { x: 0, y: 0, width: 2, height: 1 });
    // 0.3·1024 = 307.2 → 307, +16 rounding delta, >> 5 → 10 (of 32): value = 10·(10/32).
    expect(out.data[0]).toBeCloseTo(10 * (10 / 32), 6);
  });

  it('fills with the border value outside and blends it at the edge', () => {
    const src = ramp(4, 4);
    const out = warpAffine(src, [1, 0, 0.5, 0, 1, 0], { x: 0, y: 0, width: 5, height: 4 }, { borderValue: 100 });
    // dst x=0 samples src x=−0.5: half border, half src(0).
    expect(out.data[0]).toBeCloseTo(0.5 * 100 + 0.5 * 0, 6);
    // dst x=4 samples src x=3.5: half src(3) = 30, half border.
    expect(out.data[4]).toBeCloseTo(0.5 * 30 + 0.5 * 100, 6);
    const far = warpAffine(src, [1, 0, 50, 0, 1, 0], { x: 0, y: 0, width: 2, height: 2 }, { borderValue: 7 });
    expect(Array.from(far.data)).toEqual([7, 7, 7, 7]);
  });

  it('rounds like the uint8 path: floor(v + 0.5), clamped', () => {
    const src: FloatImage = { width: 2, height: 1, channels: 1, data: new Float32Array([0, 1]) };
    const out = warpAffine(src, [1, 0, -0.5, 0, 1, 0], { x: 0, y: 0, width: 1, height: 1 }, { round: true });
    expect(out.data[0]).toBe(1); // 0.5 rounds up, as (v·2^15 + 2^14) >> 15
  });

  it('computes a sub-rectangle equal to the same pixels of the full warp', () => {
    const src = ramp(40, 30);
    const m = [1.3, 0.2, 3.7, -0.2, 1.3, 5.1] as const;
    const full = warpAffine(src, m, { x: 0, y: 0, width: 50, height: 40 });
    const part = warpAffine(src, m, { x: 13, y: 9, width: 20, height: 17 });
    for (let y = 0; y < 17; y++) for (let x = 0; x < 20; x++) expect(part.data[y * 20 + x]).toBe(full.data[(y + 9) * 50 + x + 13]);
  });
});

describe('warpAffine from a source window (alignment converts only a face\'s surroundings)', () => {
  it('equals the warp of the whole image, in the middle and where the crop hangs over the edges', () => {
    const w = 300, h = 200;
    const data = new Float32Array(w * h * 3).map((_, i) => (i * 7919) % 256);
    const full: FloatImage = { width: w, height: h, channels: 3, data };
    const region = { x: 0, y: 0, width: 64, height: 64 };
    // Rotated, scaled similarities placing the crop mid-image, over the top-left corner, and wholly outside.
    const cases = [[0.9, 0.3, -120, -0.3, 0.9, -40], [1.7, -0.5, 20, 0.5, 1.7, 25], [1, 0, 900, 0, 1, 900]] as const;
    let differing = 0;
    for (const m of cases) {
      const win = sourceWindow(m, region, w, h);
      const part: FloatImage = { width: win.width, height: win.height, channels: 3, data: new Float32Array(win.width * win.height * 3) };
      for (let y = 0; y < win.height; y++) part.data.set(data.subarray(((win.y + y) * w + win.x) * 3, ((win.y + y) * w + win.x + win.width) * 3), y * win.width * 3);
      const expected = warpAffine(full, m, region, { borderValue: [135, 133, 132], round: true }).data;
      const got = warpAffine(part, m, region, { borderValue: [135, 133, 132], round: true, sourceWindow: { x: win.x, y: win.y, imageWidth: w, imageHeight: h } }).data;
      for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) differing++;
      expect(win.width * win.height).toBeLessThan(w * h);
    }
    expect(differing).toBe(0);
    // The window is far smaller than the photo for a face-sized crop.
    expect(sourceWindow(cases[0], region, w, h).width).toBeLessThanOrEqual(100);
  });
});
