/**
 * The pure parts of the web page's image files: one face as the layer and mask images the Photoshop plugin writes,
 * the format sniffing and the header sizes. Decoding and encoding need a browser: test/browser-host.test.ts.
 */
import type { Placement } from '../../core/paste';
import { encodeColour, encodeMask } from '../photoshop/layer-pixels';
import { faceLayerImage, faceMaskImage, headerSize, sniffImage } from './image-files';

/** A 3×2 placement at (2, 1) with values on rounding boundaries and out of range. */
function rgbPlacement(): Placement {
  const pixels = new Float32Array([
    0.4, 0.5, 1.5, /**/ 2.5, 254.5, 255.7, /**/ -3, 128.49, 128.5,
    10, 20, 30, /**/ 40.5, 50.5, 60.5, /**/ 300, 0, 99.999,
  ]);
  const mask = new Float32Array([0, 0.001, 0.5, 0.998, 1, 1.2]);
  return { rect: { x: 2, y: 1, width: 3, height: 2 }, pixels: { width: 3, height: 2, channels: 3, data: pixels }, mask };
}

const W = 6, H = 4;
const at = (x: number, y: number): number => (y * W + x) * 4;

describe('faceLayerImage', () => {
  it('puts the restored pixels, rounded as the plugin rounds them, opaque inside the rectangle and nothing outside', () => {
    const p = rgbPlacement();
    const layer = faceLayerImage(p, W, H);
    expect(layer).toMatchObject({ width: W, height: H, channels: 4, maxValue: 255 });
    expect(layer.data).toBeInstanceOf(Uint8Array);
    const expected = encodeColour(p.pixels, 8);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = x >= 2 && x < 5 && y >= 1 && y < 3;
        const px = [...layer.data.subarray(at(x, y), at(x, y) + 4)];
        if (!inside) {
          expect(px).toEqual([0, 0, 0, 0]);
          continue;
        }
        const s = ((y - 1) * 3 + (x - 2)) * 3;
        expect(px).toEqual([expected[s], expected[s + 1], expected[s + 2], 255]);
      }
    }
    // The rounding itself, spelled out: Math.round (halves up) and clamping, as layer-pixels.ts encodeColour.
    expect([...layer.data.subarray(at(2, 1), at(2, 1) + 3)]).toEqual([0, 1, 2]);
    expect([...layer.data.subarray(at(3, 1), at(3, 1) + 3)]).toEqual([3, 255, 255]);
    expect([...layer.data.subarray(at(4, 1), at(4, 1) + 3)]).toEqual([0, 128, 129]);
    expect([...layer.data.subarray(at(4, 2), at(4, 2) + 3)]).toEqual([255, 0, 100]);
  });

  it('replicates a gray placement to R, G and B', () => {
    const p: Placement = {
      rect: { x: 0, y: 0, width: 2, height: 1 },
      pixels: { width: 2, height: 1, channels: 1, data: new Float32Array([77.5, 200.2]) },
      mask: new Float32Array([1, 1]),
    };
    const layer = faceLayerImage(p, 3, 1);
    expect([...layer.data]).toEqual([78, 78, 78, 255, 200, 200, 200, 255, 0, 0, 0, 0]);
  });

  it('clips a rectangle that reaches past the canvas', () => {
    const p = rgbPlacement();
    const layer = faceLayerImage(p, 4, 2);
    expect(layer.data.length).toBe(4 * 2 * 4);
    // Only (2,1) and (3,1) of the canvas are covered.
    const alphas = [...layer.data].filter((_, i) => i % 4 === 3);
    expect(alphas).toEqual([0, 0, 0, 0, 0, 0, 255, 255]);
  });
});

describe('faceMaskImage', () => {
  it('is opaque gray round(mask × 255) inside the rectangle and black elsewhere, as the plugin writes the layer mask', () => {
    const p = rgbPlacement();
    const mask = faceMaskImage(p, W, H);
    expect(mask).toMatchObject({ width: W, height: H, channels: 4, maxValue: 255 });
    const expected = encodeMask(p.mask, 8);
    expect([...expected]).toEqual([0, 0, 128, 254, 255, 255]);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = x >= 2 && x < 5 && y >= 1 && y < 3;
        const v = inside ? expected[(y - 1) * 3 + (x - 2)] : 0;
        expect([...mask.data.subarray(at(x, y), at(x, y) + 4)]).toEqual([v, v, v, 255]);
      }
    }
  });
});

describe('sniffImage and headerSize', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x4e, 0x20, 0, 0, 0x27, 0x10]);

  it('recognises the three formats by content', () => {
    expect(sniffImage(png)).toBe('png');
    expect(sniffImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImage(new TextEncoder().encode('RIFF\x10\0\0\0WEBPVP8 '))).toBe('webp');
    expect(sniffImage(new TextEncoder().encode('GIF89a'))).toBeUndefined();
    expect(sniffImage(new Uint8Array(0))).toBeUndefined();
  });

  it('reads the size from PNG, JPEG and WebP headers', () => {
    expect(headerSize(png, 'png')).toEqual({ width: 20000, height: 10000 });
    // SOI, an APP0 segment of 16 bytes, then SOF0 with height 480 and width 640.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...new Array(14).fill(0), 0xff, 0xc0, 0, 17, 8, 0x01, 0xe0, 0x02, 0x80, 3]);
    expect(headerSize(jpeg, 'jpeg')).toEqual({ width: 640, height: 480 });
    const vp8x = new Uint8Array(30);
    vp8x.set(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8X'));
    vp8x.set([0x1f, 0x03, 0x00, 0xdf, 0x01, 0x00], 24); // 800 − 1, 480 − 1
    expect(headerSize(vp8x, 'webp')).toEqual({ width: 800, height: 480 });
  });
});
