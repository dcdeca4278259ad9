import { floatToHalf, halfToFloat, roundToHalf, toHalfBits } from './half';

const finite = (h: number): boolean => ((h >> 10) & 0x1f) !== 0x1f;

describe('float16', () => {
  it('narrows every half value back to its own bits (all 63,488 finite values and ±Inf)', () => {
    for (let h = 0; h < 0x10000; h++) {
      if (!finite(h) && (h & 0x3ff) !== 0) continue; // NaNs: one NaN in JavaScript
      expect(floatToHalf(halfToFloat(h))).toBe(h);
    }
  });

  it('rounds to nearest, ties to even, between every pair of neighbouring positive halves', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const lo = halfToFloat(h);
      const hi = halfToFloat(h + 1);
      const mid = (lo + hi) / 2; // exact in float32: halves have 11 significant bits
      const even = h % 2 === 0 ? h : h + 1;
      expect(floatToHalf(mid)).toBe(even);
      expect(floatToHalf(-mid)).toBe(even | 0x8000);
      const step = (hi - lo) / 8;
      expect(floatToHalf(mid - step)).toBe(h);
      expect(floatToHalf(mid + step)).toBe(h + 1);
    }
  });

  it('overflows to ±Inf from the midpoint above 65504, keeps NaN, flushes below 2^-25 to ±0', () => {
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65519.99)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(-1e9)).toBe(0xfc00);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    expect(floatToHalf(2 ** -25)).toBe(0); // a tie between 0 and the smallest subnormal: even is 0
    expect(floatToHalf(2 ** -25 * 1.0001)).toBe(1);
    expect(floatToHalf(-(2 ** -26))).toBe(0x8000);
    expect(floatToHalf(2 ** -14 - 2 ** -25)).toBe(0x0400); // the largest subnormal's upper tie rounds to the smallest normal
  });

  it('converts arrays: bits, and values as the graph sees them after Cast', () => {
    const values = Float32Array.from([0.1, -2.5, 1e-6, 70000, 1 / 3]);
    expect(Array.from(toHalfBits(values))).toEqual(Array.from(values, floatToHalf));
    expect(Array.from(roundToHalf(values))).toEqual([1638 * 2 ** -14, -2.5, 17 * 2 ** -24, Infinity, 1365 * 2 ** -12]);
  });
});
