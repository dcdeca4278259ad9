import { encodeColour, encodeMask, linearToSrgb, srgbToLinear } from './layer-pixels';

describe('pixel conversions to the document depth', () => {
  it('sRGB transfer round-trips, matches the IEC 61966-2-1 break points and extends above 1 (HDR)', () => {
    for (let v = 0; v <= 1.5; v += 0.01) expect(srgbToLinear(linearToSrgb(v))).toBeCloseTo(v, 6);
    expect(linearToSrgb(0.0031308)).toBeCloseTo(0.04045, 5);
    expect(linearToSrgb(1)).toBeCloseTo(1, 12);
    expect(linearToSrgb(0.214041)).toBeCloseTo(0.5, 4);
    expect(linearToSrgb(2)).toBeGreaterThan(1);
  });

  it('encodes engine colour (0..255 scale) as 8-bit, Photoshop 16-bit (0..32768) and linear 32-bit', () => {
    const pixels = { width: 4, height: 1, channels: 1, data: Float32Array.from([-3, 127.5, 255, 300]) };
    expect(Array.from(encodeColour(pixels, 8))).toEqual([0, 128, 255, 255]);
    expect(Array.from(encodeColour(pixels, 16))).toEqual([0, 16384, 32768, 32768]);
    const f = encodeColour(pixels, 32);
    expect(f).toBeInstanceOf(Float32Array);
    expect(f[0]).toBe(0);
    expect(f[1]).toBeCloseTo(srgbToLinear(0.5), 6);
    expect(f[2]).toBeCloseTo(1, 6);
    expect(f[3]).toBeGreaterThan(1); // above white stays above white in a 32-bit document
  });

  it('encodes the soft mask as coverage (no transfer curve) at each depth', () => {
    const mask = Float32Array.from([0, 0.25, 0.5, 1]);
    expect(Array.from(encodeMask(mask, 8))).toEqual([0, 64, 128, 255]);
    expect(Array.from(encodeMask(mask, 16))).toEqual([0, 8192, 16384, 32768]);
    expect(Array.from(encodeMask(mask, 32))).toEqual([0, 0.25, 0.5, 1]);
  });
});
