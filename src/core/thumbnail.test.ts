import { faceThumbnail } from './thumbnail';
import type { PixelImage } from './image';

/** A 200×100 RGBA image: left half red, right half blue, a green square at (120..160, 30..70). */
function scene(): PixelImage {
  const w = 200, h = 100;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const isGreen = x >= 120 && x < 160 && y >= 30 && y < 70;
      data[i] = isGreen ? 0 : x < 100 ? 255 : 0;
      data[i + 1] = isGreen ? 255 : 0;
      data[i + 2] = isGreen ? 0 : x < 100 ? 0 : 255;
      data[i + 3] = 128;
    }
  }
  return { width: w, height: h, channels: 4, data, maxValue: 255 };
}

describe('faceThumbnail', () => {
  it('shows the box with a margin, shrunk to size×size RGB 8-bit, alpha dropped', () => {
    const t = faceThumbnail(scene(), [120, 30, 160, 70], 16);
    expect([t.width, t.height, t.channels, t.maxValue]).toEqual([16, 16, 3, 255]);
    // Box 40 px + 20 % margin each side = 56 px around centre (140, 50): green in the middle, blue at the edges.
    const px = (x: number, y: number): number[] => Array.from(t.data.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
    expect(px(8, 8)).toEqual([0, 255, 0]);
    expect(px(0, 0)).toEqual([0, 0, 255]);
    expect(px(15, 15)).toEqual([0, 0, 255]);
  });

  it('clamps the square to the image at an edge and refuses a box outside it', () => {
    const t = faceThumbnail(scene(), [0, 0, 20, 20], 8);
    expect(Array.from(t.data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(() => faceThumbnail(scene(), [500, 500, 520, 520], 8)).toThrow('Expected a box that overlaps the 200×100 image for box');
    expect(() => faceThumbnail(scene(), [0, 0, 20, 20], 0)).toThrow('Expected an integer from 1 to 1024 for size');
  });

  it('reads 16-bit and gray images on their own scale', () => {
    const g: PixelImage = { width: 10, height: 10, channels: 1, data: new Uint16Array(100).fill(16384), maxValue: 32768 };
    const t = faceThumbnail(g, [2, 2, 8, 8], 4);
    expect(Array.from(t.data)).toEqual(new Array(48).fill(128));
  });
});
