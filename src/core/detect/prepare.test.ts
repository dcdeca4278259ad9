import { resize } from '../resize';
import { toWorkingRgb, type PixelImage } from '../image';
import { planDetectorInput, prepareDetectorInput, type PixelSpec } from './prepare';
import { RETINAFACE_PIXELS } from './retinaface';
import { SCRFD_PIXELS } from './scrfd';
import { YUNET_PIXELS } from './yunet';

/** A float RGB image on the 0..255 scale (what the engine's working images hold). */
function image(width: number, height: number, fill: (x: number, y: number, c: number) => number): PixelImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = fill(x, y, c);
  return { width, height, channels: 3, data, maxValue: 255 };
}

describe('planDetectorInput', () => {
  it('shrinks the longest side to detectSize and pads a dynamic input to multiples of 32', () => {
    const plan = planDetectorInput(1297, 1920, 640, {});
    expect(plan).toEqual({ contentWidth: 432, contentHeight: 640, tensorWidth: 448, tensorHeight: 640, scaleX: 1297 / 432, scaleY: 3 });
  });

  it('never enlarges a small image', () => {
    expect(planDetectorInput(248, 189, 640, {})).toEqual({
      contentWidth: 248,
      contentHeight: 189,
      tensorWidth: 256,
      tensorHeight: 192,
      scaleX: 1,
      scaleY: 1,
    });
  });

  it('letterboxes into a fixed input without upscaling', () => {
    const fixed = { fixedWidth: 640, fixedHeight: 640 };
    expect(planDetectorInput(248, 189, 640, fixed)).toMatchObject({ contentWidth: 248, contentHeight: 189, tensorWidth: 640, tensorHeight: 640, scaleX: 1 });
  });

  it('fits a fixed input even when detectSize is larger, and honours a smaller detectSize', () => {
    const fixed = { fixedWidth: 640, fixedHeight: 640 };
    expect(planDetectorInput(1000, 800, 1024, fixed)).toMatchObject({ contentWidth: 640, contentHeight: 512, tensorWidth: 640, tensorHeight: 640 });
    expect(planDetectorInput(1000, 800, 320, fixed)).toMatchObject({ contentWidth: 320, contentHeight: 256, tensorWidth: 640, tensorHeight: 640 });
    // Portrait into a landscape fixed input: the height limits.
    expect(planDetectorInput(600, 1200, 640, { fixedWidth: 640, fixedHeight: 480 })).toMatchObject({ contentWidth: 240, contentHeight: 480 });
  });

  it('mixes a fixed height with a dynamic width', () => {
    expect(planDetectorInput(700, 464, 640, { fixedHeight: 320 })).toMatchObject({
      contentWidth: 483,
      contentHeight: 320,
      tensorWidth: 512,
      tensorHeight: 320,
    });
  });

  it('maps detector pixels back per axis, so rounding does not skew coordinates', () => {
    const plan = planDetectorInput(1001, 333, 640, {});
    expect(plan.contentWidth).toBe(640);
    expect(plan.contentHeight).toBe(213);
    expect(plan.contentWidth * plan.scaleX).toBeCloseTo(1001, 9);
    expect(plan.contentHeight * plan.scaleY).toBeCloseTo(333, 9);
  });
});

describe('prepareDetectorInput', () => {
  const spec: PixelSpec = { order: 'bgr', mean: [1, 2, 3], scale: 2 };

  it('writes NCHW planes in the model channel order, normalised, padded with a normalised zero pixel', () => {
    const img = image(2, 1, (x, _y, c) => (x + 1) * 10 + c); // pixel 0 = RGB(10,11,12), pixel 1 = RGB(20,21,22)
    const out = prepareDetectorInput(img, 640, {}, spec);
    expect([out.tensorWidth, out.tensorHeight, out.scaleX, out.scaleY]).toEqual([32, 32, 1, 1]);
    const plane = 32 * 32;
    expect(out.data).toHaveLength(3 * plane);
    // Plane 0 = B: (12 − 1)·2, (22 − 1)·2; then padding (0 − 1)·2.
    expect(Array.from(out.data.subarray(0, 3))).toEqual([22, 42, -2]);
    expect(out.data[32]).toBe(-2); // second row is padding
    // Plane 1 = G, mean 2; plane 2 = R, mean 3.
    expect(Array.from(out.data.subarray(plane, plane + 3))).toEqual([18, 38, -4]);
    expect(Array.from(out.data.subarray(2 * plane, 2 * plane + 3))).toEqual([14, 34, -6]);
  });

  it('uses each detector’s reference normalisation', () => {
    const img = image(1, 1, (_x, _y, c) => [200, 100, 50][c]);
    const at = (s: PixelSpec): number[] => {
      const d = prepareDetectorInput(img, 640, {}, s).data;
      return [d[0], d[32 * 32], d[2 * 32 * 32]];
    };
    expect(at(YUNET_PIXELS)).toEqual([50, 100, 200]);
    expect(at(RETINAFACE_PIXELS)).toEqual([50 - 104, 100 - 117, 200 - 123]);
    const scrfd = at(SCRFD_PIXELS);
    [200, 100, 50].forEach((v, i) => expect(scrfd[i]).toBeCloseTo((v - 127.5) / 128, 6));
  });

  it('letterboxes top-left into a fixed input', () => {
    const img = image(3, 2, () => 255);
    const out = prepareDetectorInput(img, 640, { fixedWidth: 64, fixedHeight: 64 }, YUNET_PIXELS);
    expect([out.tensorWidth, out.tensorHeight, out.contentWidth, out.contentHeight]).toEqual([64, 64, 3, 2]);
    expect(out.data[0]).toBe(255);
    expect(out.data[2]).toBe(255);
    expect(out.data[3]).toBe(0);
    expect(out.data[64 + 2]).toBe(255);
    expect(out.data[128]).toBe(0);
  });

  it('downscales with an area filter and reports the scale back', () => {
    // 64×32 with a 2×2 checker of 0/200 in each 2×2 block → area-averages to 100 at half size.
    const img = image(64, 32, (x, y) => ((x + y) % 2 === 0 ? 200 : 0));
    const out = prepareDetectorInput(img, 32, {}, YUNET_PIXELS);
    expect([out.contentWidth, out.contentHeight, out.scaleX, out.scaleY]).toEqual([32, 16, 2, 2]);
    expect(out.data[0]).toBeCloseTo(100, 4);
    expect(out.data[31]).toBeCloseTo(100, 4);
    expect(out.data[16 * 32]).toBe(0); // padding row
  });

  it('reads 16-bit RGBA and 8-bit gray row by row with the values of a whole float working copy', () => {
    // 700×500: shrunk (area) to 640 wide; odd values so that rounding or channel mix-ups would show.
    const w = 700, h = 500;
    const rgba = new Uint16Array(w * h * 4).map((_, i) => (i * 7919) % 65536);
    const gray = new Uint8Array(w * h).map((_, i) => (i * 31) % 256);
    for (const photo of [{ width: w, height: h, channels: 4, data: rgba, maxValue: 65535 }, { width: w, height: h, channels: 1, data: gray, maxValue: 255 }] as PixelImage[]) {
      const out = prepareDetectorInput(photo, 640, {}, YUNET_PIXELS);
      const working = toWorkingRgb(photo);
      const expected = prepareDetectorInput({ ...working, channels: 3, maxValue: 255 }, 640, {}, YUNET_PIXELS);
      // And the float path itself is the area resize of the whole working copy.
      const shrunk = resize(working, out.contentWidth, out.contentHeight, { kernel: 'area' });
      expect(Buffer.compare(Buffer.from(out.data.buffer), Buffer.from(expected.data.buffer))).toBe(0);
      // Plane 0 = B (YuNet is BGR, mean 0, scale 1): exactly the shrunk image's third channel.
      let mismatches = 0;
      for (let y = 0; y < out.contentHeight; y++) {
        for (let x = 0; x < out.contentWidth; x++) if (out.data[y * out.tensorWidth + x] !== shrunk.data[(y * out.contentWidth + x) * 3 + 2]) mismatches++;
      }
      expect(out.contentWidth).toBe(640);
      expect(mismatches).toBe(0);
    }
  });

  it('rejects pixel data of the wrong length', () => {
    const bad: PixelImage = { width: 2, height: 1, channels: 4, data: new Uint8Array(4), maxValue: 255 };
    expect(() => prepareDetectorInput(bad, 640, {}, YUNET_PIXELS)).toThrow(expect.objectContaining({ code: 'INVALID_IMAGE' }));
  });
});
