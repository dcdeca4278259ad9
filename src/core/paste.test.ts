import type { FloatImage, PixelImage } from './image';
import { GFPGAN } from './models';
import { compositeOntoPixels, inverseAffine, placeFace, type Placement } from './paste';
import { invertAffine } from './warp';
import type { Affine } from './types';

/** Alignment of a face whose crop-to-image scale is 1/s: image → crop multiplies by s around an offset. */
const align = (s: number, tx: number, ty: number): Affine => [s, 0, -s * tx, 0, s, -s * ty];

function face(value: number): FloatImage {
  return { width: 512, height: 512, channels: 3, data: new Float32Array(512 * 512 * 3).fill(value) };
}

describe('inverseAffine (facexlib get_inverse_affine + back-alignment offset)', () => {
  const affine: Affine = [2, 0.5, -100, -0.5, 2, -40];
  it('is the plain inverse at scale 1', () => {
    expect(inverseAffine(affine, 1)).toEqual(invertAffine(affine));
  });
  it('scales the inverse and adds 0.5·scale to the translation above 1', () => {
    const inv = invertAffine(affine);
    const up = inverseAffine(affine, 2);
    expect(up[0]).toBeCloseTo(2 * inv[0], 12);
    expect(up[1]).toBeCloseTo(2 * inv[1], 12);
    expect(up[2]).toBeCloseTo(2 * inv[2] + 1, 12);
    expect(up[5]).toBeCloseTo(2 * inv[5] + 1, 12);
  });
});

describe('placeFace', () => {
  it('covers the face square, with a soft edge sized from the face area', () => {
    // A face 128 px wide at (100, 50): the crop is 4× the image.
    const p = placeFace(face(200), align(4, 100, 50), { scale: 1, canvasWidth: 400, canvasHeight: 300, round: true, colorChannels: 3 });
    expect(p).toBeDefined();
    if (!p) return;
    // The mask lies within the 128×128 square starting at (100, 50); even erosion kernels anchor at k/2, so the
    // blurred edge may reach one pixel past it on the right and bottom.
    expect(p.rect.x).toBeGreaterThanOrEqual(100);
    expect(p.rect.y).toBeGreaterThanOrEqual(50);
    expect(p.rect.x + p.rect.width).toBeLessThanOrEqual(229);
    expect(p.rect.y + p.rect.height).toBeLessThanOrEqual(179);
    expect(p.rect.width).toBeGreaterThan(100);
    // Area ≈ 127² → w_edge = 6: full strength in the middle, falling off over ~2·w_edge at the sides.
    const mid = (p.rect.height >> 1) * p.rect.width + (p.rect.width >> 1);
    expect(p.mask[mid]).toBeCloseTo(1, 6);
    expect(p.pixels.data[mid * 3]).toBeCloseTo(200, 4);
    const row = Array.from(p.mask.subarray((p.rect.height >> 1) * p.rect.width, ((p.rect.height >> 1) + 1) * p.rect.width));
    const soft = row.filter((v) => v > 0 && v < 1).length;
    expect(soft).toBeGreaterThanOrEqual(2 * 6);
    expect(soft).toBeLessThanOrEqual(2 * 14);
  });

  it('delivers gray pixels for gray documents (BT.601 luma)', () => {
    const rgb = face(0);
    for (let i = 0; i < 512 * 512; i++) { rgb.data[i * 3] = 100; rgb.data[i * 3 + 1] = 150; rgb.data[i * 3 + 2] = 50; }
    const p = placeFace(rgb, align(4, 100, 50), { scale: 1, canvasWidth: 400, canvasHeight: 300, round: false, colorChannels: 1 });
    const mid = ((p?.rect.height ?? 0) >> 1) * (p?.rect.width ?? 0) + ((p?.rect.width ?? 0) >> 1);
    expect(p?.pixels.channels).toBe(1);
    expect(p?.pixels.data[mid]).toBeCloseTo(0.299 * 100 + 0.587 * 150 + 0.114 * 50, 3);
  });

  it('returns nothing for a face entirely off the canvas', () => {
    expect(placeFace(face(1), align(4, 1000, 1000), { scale: 1, canvasWidth: 400, canvasHeight: 300, round: true, colorChannels: 3 })).toBeUndefined();
  });
});

describe('compositeOntoPixels', () => {
  const face = (v: number, mask: number[]): Placement => ({
    rect: { x: 0, y: 0, width: mask.length, height: 1 },
    pixels: { width: mask.length, height: 1, channels: 1, data: new Float32Array(mask.length).fill(v) },
    mask: new Float32Array(mask),
  });

  it('blends as stacked layers: out·(1 − a) + face·a with a = strength·mask, rounded to the image format', () => {
    const bg: PixelImage = { width: 3, height: 1, channels: 1, data: new Uint8Array([10, 10, 10]), maxValue: 255 };
    compositeOntoPixels(bg, [face(110, [1, 0.5, 0])], 0.5);
    expect(Array.from(bg.data)).toEqual([60, 35, 10]);
  });

  it('works on the 0..255 scale whatever the format, and leaves alpha alone', () => {
    const bg: PixelImage = { width: 1, height: 1, channels: 2, data: new Uint16Array([0, 1234]), maxValue: 65535 };
    compositeOntoPixels(bg, [face(255, [1])], 0.5);
    expect(Array.from(bg.data)).toEqual([32768, 1234]); // 65535 / 2 = 32767.5 → 32768
    const photoshop16: PixelImage = { width: 1, height: 1, channels: 1, data: new Uint16Array([32768]), maxValue: 32768 };
    compositeOntoPixels(photoshop16, [face(0, [1])], 0.25);
    expect(photoshop16.data[0]).toBe(24576);
  });

  it('leaves the background untouched at strength 0', () => {
    const bg: PixelImage = { width: 1, height: 1, channels: 1, data: new Float32Array([0.42]), maxValue: 1 };
    compositeOntoPixels(bg, [face(0, [1])], 0);
    expect(bg.data[0]).toBeCloseTo(0.42, 6);
  });
});

it('uses the FFHQ-512 template from facexlib', () => {
  expect(GFPGAN.template[0]).toEqual([192.98138, 239.94708]);
  expect(GFPGAN.borderColor).toEqual([132, 133, 135]);
});
