import type { PixelImage } from './image';
import { planTiles, reflect101, tileTensor, windowPixels, type Tile, type TileLayout } from './tiles';

/** OpenCV's cv::borderInterpolate for BORDER_REFLECT_101, transcribed literally (modules/core/src/copy.cpp). */
function cvReflect101(p: number, len: number): number {
  if (len === 1) return 0;
  do {
    p = p < 0 ? -p : len - 1 - (p - len) - 1;
  } while (p < 0 || p >= len);
  return p;
}

/** How many tile cores cover each pixel of a width×height image. */
function coverage(tiles: readonly Tile[], width: number, height: number): Uint8Array {
  const count = new Uint8Array(width * height);
  for (const { core } of tiles) {
    for (let y = core.y; y < core.y + core.height; y++) for (let x = core.x; x < core.x + core.width; x++) count[y * width + x]++;
  }
  return count;
}

const spread = (values: number[]): number => Math.max(...values) - Math.min(...values);

describe('planTiles', () => {
  const cases: Array<[number, number, TileLayout]> = [
    [700, 464, { tile: 400, pad: 24, multiple: 8 }],
    [726, 838, { tile: 400, pad: 24, multiple: 8 }],
    [1297, 1920, { tile: 400, pad: 10, multiple: 8 }],
    [401, 399, { tile: 400, pad: 24, multiple: 8 }],
    [37, 23, { tile: 5, pad: 3, multiple: 4 }],
    [64, 48, { tile: 16, pad: 0, multiple: 1 }],
    [1, 1, { tile: 400, pad: 24, multiple: 8 }],
  ];

  it.each(cases)('cores of %i×%i %j partition the image into near-equal parts', (width, height, layout) => {
    const tiles = planTiles(width, height, layout);
    const cols = Math.ceil(width / layout.tile), rows = Math.ceil(height / layout.tile);
    expect(tiles).toHaveLength(cols * rows);
    const count = coverage(tiles, width, height);
    expect(count.every((c) => c === 1)).toBe(true);
    for (const { core } of tiles) {
      expect(core.width).toBeLessThanOrEqual(layout.tile);
      expect(core.height).toBeLessThanOrEqual(layout.tile);
      expect(core.width).toBeGreaterThan(0);
      expect(core.height).toBeGreaterThan(0);
    }
    // No sliver at the end: sizes along each axis differ by at most one pixel.
    expect(spread(tiles.map((t) => t.core.width))).toBeLessThanOrEqual(1);
    expect(spread(tiles.map((t) => t.core.height))).toBeLessThanOrEqual(1);
    // Row by row, top to bottom, left to right.
    const order = tiles.map((t) => t.core.y * width + t.core.x);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it.each(cases)('windows of %i×%i %j are the core ± pad, grown right/bottom to the multiple', (width, height, layout) => {
    const { pad, multiple } = layout;
    for (const { core, input } of planTiles(width, height, layout)) {
      expect([input.x, input.y]).toEqual([core.x - pad, core.y - pad]);
      expect(input.width % multiple).toBe(0);
      expect(input.height % multiple).toBe(0);
      expect(input.width - (core.width + 2 * pad)).toBeGreaterThanOrEqual(0);
      expect(input.width - (core.width + 2 * pad)).toBeLessThan(multiple);
      expect(input.height - (core.height + 2 * pad)).toBeGreaterThanOrEqual(0);
      expect(input.height - (core.height + 2 * pad)).toBeLessThan(multiple);
    }
  });

  it('splits 700 into 350 + 350 and 464 into 232 + 232 at tile 400 (not 400 + 300)', () => {
    const tiles = planTiles(700, 464, { tile: 400, pad: 24, multiple: 8 });
    expect(tiles.map((t) => t.core)).toEqual([
      { x: 0, y: 0, width: 350, height: 232 },
      { x: 350, y: 0, width: 350, height: 232 },
      { x: 0, y: 232, width: 350, height: 232 },
      { x: 350, y: 232, width: 350, height: 232 },
    ]);
    // 350 + 48 = 398 → 400; 232 + 48 = 280.
    expect(tiles[3].input).toEqual({ x: 326, y: 208, width: 400, height: 280 });
    expect(windowPixels(tiles)).toBe(4 * 400 * 280);
  });

  it('tile 0 is one tile over the whole image', () => {
    expect(planTiles(726, 838, { tile: 0, pad: 24, multiple: 8 })).toEqual([
      { core: { x: 0, y: 0, width: 726, height: 838 }, input: { x: -24, y: -24, width: 776, height: 888 } },
    ]);
    expect(planTiles(5, 3, { tile: 0, pad: 0, multiple: 1 })).toEqual([
      { core: { x: 0, y: 0, width: 5, height: 3 }, input: { x: 0, y: 0, width: 5, height: 3 } },
    ]);
  });

  it('a tile at least as large as the image is one tile', () => {
    expect(planTiles(400, 400, { tile: 400, pad: 24, multiple: 8 })).toHaveLength(1);
    expect(planTiles(300, 200, { tile: 1000, pad: 24, multiple: 8 })).toHaveLength(1);
  });

  describe('fixedInput (a model with a static spatial shape)', () => {
    it('feeds every tile exactly the static window and shrinks cores to fit inside the context', () => {
      const fixedInput = { width: 128, height: 96 };
      const layout = { tile: 400, pad: 16, multiple: 8, fixedInput };
      const tiles = planTiles(300, 250, layout);
      // Cores at most 128 − 32 = 96 wide and 96 − 32 = 64 high: ceil(300/96) × ceil(250/64) tiles.
      expect(tiles).toHaveLength(4 * 4);
      expect(coverage(tiles, 300, 250).every((c) => c === 1)).toBe(true);
      for (const { core, input } of tiles) {
        expect([input.width, input.height]).toEqual([128, 96]);
        expect([input.x, input.y]).toEqual([core.x - 16, core.y - 16]);
        expect(core.width).toBeLessThanOrEqual(96);
        expect(core.height).toBeLessThanOrEqual(64);
      }
    });

    it('takes the smaller of the requested tile and the room the static window leaves', () => {
      const tiles = planTiles(100, 100, { tile: 30, pad: 8, multiple: 8, fixedInput: { width: 64, height: 64 } });
      expect(tiles).toHaveLength(16);
      for (const t of tiles) expect([t.input.width, t.input.height]).toEqual([64, 64]);
      expect(coverage(tiles, 100, 100).every((c) => c === 1)).toBe(true);
    });

    it('tile 0 still respects the static window (it cannot take the whole image)', () => {
      const tiles = planTiles(600, 500, { tile: 0, pad: 24, multiple: 8, fixedInput: { width: 512, height: 512 } });
      expect(tiles).toHaveLength(4);
      for (const t of tiles) expect([t.input.width, t.input.height]).toEqual([512, 512]);
    });

    it('an image smaller than the static window is one tile with the full window', () => {
      expect(planTiles(100, 80, { tile: 400, pad: 24, multiple: 8, fixedInput: { width: 512, height: 512 } })).toEqual([
        { core: { x: 0, y: 0, width: 100, height: 80 }, input: { x: -24, y: -24, width: 512, height: 512 } },
      ]);
    });

    it('refuses a static window that leaves no core inside the context', () => {
      expect(() => planTiles(100, 100, { tile: 0, pad: 24, multiple: 8, fixedInput: { width: 48, height: 64 } })).toThrow(RangeError);
    });
  });
});

describe('reflect101 (OpenCV BORDER_REFLECT_101)', () => {
  it('matches cv::borderInterpolate for every index in ±10 periods, for lengths 1..9', () => {
    for (let n = 1; n <= 9; n++) {
      // `+ 0` folds −0 (from a negative multiple of the period) into 0, which OpenCV's integers cannot tell apart.
      for (let i = -20 * n - 5; i <= 20 * n + 5; i++) expect([n, i, reflect101(i, n) + 0]).toEqual([n, i, cvReflect101(i, n)]);
    }
  });

  it('mirrors without repeating the edge: gfedcb|abcdefgh|gfedcba', () => {
    const letters = 'abcdefgh';
    const at = (i: number): string => letters[reflect101(i, 8)];
    expect([-6, -5, -4, -3, -2, -1].map(at).join('')).toBe('gfedcb');
    expect([8, 9, 10, 11, 12, 13, 14].map(at).join('')).toBe('gfedcba');
  });

  it('folds indices far outside (a window much larger than the image)', () => {
    expect(reflect101(-24, 5) + 0).toBe(0); // period 8: −24 ≡ 0
    expect(reflect101(-25, 5)).toBe(1);
    expect(reflect101(511, 100)).toBe(cvReflect101(511, 100));
    expect(reflect101(-1000, 3) + 0).toBe(cvReflect101(-1000, 3));
    expect(reflect101(-1001, 3)).toBe(cvReflect101(-1001, 3));
  });

  it('a single pixel is its own reflection', () => {
    for (const i of [-100, -1, 0, 1, 7, 100]) expect(reflect101(i, 1)).toBe(0);
  });
});

describe('tileTensor', () => {
  /** Planar sample c of window pixel (i, j). */
  const at = (t: Float32Array, w: number, h: number, c: number, i: number, j: number): number => t[c * w * h + j * w + i];

  const rgb: PixelImage = {
    width: 3, height: 2, channels: 3, maxValue: 255,
    data: Uint8Array.from([
      0, 10, 20, 30, 40, 50, 60, 70, 80,
      90, 100, 110, 120, 130, 140, 150, 160, 170,
    ]),
  };

  it('gives NCHW RGB in 0..1 for a window inside the image', () => {
    const t = tileTensor(rgb, { x: 0, y: 0, width: 3, height: 2 });
    expect(t).toHaveLength(3 * 6);
    const expected = [0, 30, 60, 90, 120, 150, 10, 40, 70, 100, 130, 160, 20, 50, 80, 110, 140, 170].map((v) => v / 255);
    t.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 7));
  });

  it('reads beyond the border with reflect-101', () => {
    const w = 7, h = 6;
    const t = tileTensor(rgb, { x: -2, y: -2, width: w, height: h });
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const s = (reflect101(j - 2, 2) * 3 + reflect101(i - 2, 3)) * 3;
        for (let c = 0; c < 3; c++) expect(at(t, w, h, c, i, j)).toBeCloseTo(rgb.data[s + c] / 255, 7);
      }
    }
    // Window (0, 0) is image (2, 0) (x: −2 → 2, y: −2 → 0 on a 2-row image): R = 60.
    expect(at(t, w, h, 0, 0, 0) * 255).toBeCloseTo(60, 4);
    // Window (1, 1) is image (1, 1): G = 130.
    expect(at(t, w, h, 1, 1, 1) * 255).toBeCloseTo(130, 4);
  });

  it('replicates gray to three channels and ignores alpha (1, 2 and 4 channels)', () => {
    const gray: PixelImage = { width: 2, height: 1, channels: 1, maxValue: 255, data: Uint8Array.from([51, 204]) };
    const grayAlpha: PixelImage = { width: 2, height: 1, channels: 2, maxValue: 255, data: Uint8Array.from([51, 0, 204, 17]) };
    const window = { x: 0, y: 0, width: 2, height: 1 };
    const expected = [0.2, 0.8, 0.2, 0.8, 0.2, 0.8];
    for (const image of [gray, grayAlpha]) tileTensor(image, window).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 7));
    const rgba: PixelImage = { width: 1, height: 1, channels: 4, maxValue: 255, data: Uint8Array.from([255, 0, 51, 9]) };
    tileTensor(rgba, { x: 0, y: 0, width: 1, height: 1 }).forEach((v, i) => expect(v).toBeCloseTo([1, 0, 0.2][i], 7));
  });

  it('divides by maxValue: 16-bit (65535 and Photoshop\'s 32768) and float images', () => {
    const window = { x: 0, y: 0, width: 1, height: 1 };
    const px = (data: Uint16Array | Float32Array, maxValue: number): number[] =>
      Array.from(tileTensor({ width: 1, height: 1, channels: 3, maxValue, data }, window));
    px(Uint16Array.from([65535, 32768, 0]), 65535).forEach((v, i) => expect(v).toBeCloseTo([1, 32768 / 65535, 0][i], 6));
    px(Uint16Array.from([32768, 16384, 8192]), 32768).forEach((v, i) => expect(v).toBeCloseTo([1, 0.5, 0.25][i], 6));
    px(Float32Array.from([1, 0.5, 0.125]), 1).forEach((v, i) => expect(v).toBeCloseTo([1, 0.5, 0.125][i], 7));
    // The data type alone says nothing: maxValue decides (a 16-bit image with maxValue 255 is taken as 8-bit levels).
    px(Uint16Array.from([255, 0, 0]), 255).forEach((v, i) => expect(v).toBeCloseTo([1, 0, 0][i], 7));
  });
});
