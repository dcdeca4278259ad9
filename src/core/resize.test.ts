import type { FloatImage } from './image';
import { lanczos4Coefficients, resize } from './resize';

const gray = (width: number, height: number, f: (x: number, y: number) => number): FloatImage => {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, channels: 1, data };
};

describe('lanczos4Coefficients (cv::interpolateLanczos4)', () => {
  it('sums to 1 and is an impulse at integer positions', () => {
    const c = lanczos4Coefficients(0.37);
    expect(c.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    lanczos4Coefficients(0).forEach((v, i) => expect(v).toBeCloseTo(i === 3 ? 1 : 0, 9));
  });
  it('is symmetric about the half-pixel position', () => {
    const c = lanczos4Coefficients(0.5);
    for (let i = 0; i < 4; i++) expect(c[i]).toBeCloseTo(c[7 - i], 6);
  });
});

describe('resize', () => {
  it('returns a copy for the same size', () => {
    const src = gray(3, 2, (x, y) => x + 10 * y);
    const out = resize(src, 3, 2, { kernel: 'lanczos4' });
    expect(Array.from(out.data)).toEqual(Array.from(src.data));
    expect(out.data).not.toBe(src.data);
  });

  it.each(['linear', 'lanczos4', 'area'] as const)('keeps a constant image constant (%s)', (kernel) => {
    const out = resize(gray(13, 9, () => 77), 29, 4, { kernel });
    for (const v of out.data) expect(v).toBeCloseTo(77, 3);
  });

  it('doubles with half-pixel centres (linear: output x=1 samples input x=0.25)', () => {
    const out = resize(gray(4, 1, (x) => 8 * x), 8, 1, { kernel: 'linear' });
    expect(out.data[1]).toBeCloseTo(8 * 0.25, 5);
    expect(out.data[0]).toBeCloseTo(0, 5); // clamped at the border
  });

  it('averages 2×2 blocks when halving with area', () => {
    const out = resize(gray(4, 2, (x, y) => x + 4 * y), 2, 1, { kernel: 'area' });
    expect(Array.from(out.data)).toEqual([(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4]);
  });

  it('rounds and saturates like OpenCV\'s uint8 path in fixed point', () => {
    const step = gray(8, 1, (x) => (x < 4 ? 0 : 255));
    const out = resize(step, 16, 1, { kernel: 'lanczos4', fixedPoint: true });
    for (const v of out.data) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(255);
    }
    const float = resize(step, 16, 1, { kernel: 'lanczos4' });
    expect(Math.min(...float.data)).toBeLessThan(0); // Lanczos rings; the uint8 path clips it
  });
});
