import { resampleRegion, type PlaneRegion, type ResampleKernel } from './resample';
import type { Rect } from './types';

const { ceil, floor, max, min } = Math;

/** Deterministic pseudo-random planes (mulberry32), so a failure reproduces. */
function randomPlanes(width: number, height: number, channels: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Float32Array.from({ length: width * height * channels }, () => next() * 255);
}

const whole = (data: Float32Array, width: number, height: number, channels = 1): PlaneRegion => ({ data, width, height, channels, originX: 0, originY: 0 });

/** The sub-planes [x0, x1) × [y0, y1) of a whole-image plane set, as a region with its global origin. */
function crop(src: PlaneRegion, x0: number, y0: number, x1: number, y1: number): PlaneRegion {
  const w = x1 - x0, h = y1 - y0;
  const data = new Float32Array(w * h * src.channels);
  for (let c = 0; c < src.channels; c++) {
    for (let j = 0; j < h; j++) {
      const from = c * src.width * src.height + (y0 + j) * src.width + x0;
      data.set(src.data.subarray(from, from + w), (c * h + j) * w);
    }
  }
  return { data, width: w, height: h, channels: src.channels, originX: x0, originY: y0 };
}

/** Splits [0, length) at the given cut points. */
const spans = (length: number, cuts: number[]): Array<[number, number]> =>
  [0, ...cuts, length].slice(0, -1).map((start, i, all) => [start, i + 1 < all.length ? all[i + 1] : length]);

describe('resampleRegion', () => {
  describe('regions from partial planes equal the whole-image resample exactly', () => {
    const W = 41, H = 33, C = 3;
    const src = whole(randomPlanes(W, H, C, 7), W, H, C);
    const cases: Array<[ResampleKernel, number, number, number]> = [
      // kernel, ratio (source px per destination px), destination width, height
      ['lanczos3', 0.25, 4 * W, 4 * H], // ×4 up
      ['lanczos3', 0.5, 2 * W, 2 * H],
      ['lanczos3', 2, floor(W / 2), floor(H / 2)], // ×0.5, antialiased (wider kernel)
      ['lanczos3', 4, floor(W / 4), floor(H / 4)],
      ['lanczos3', 4 / 3, floor((W * 3) / 4), floor((H * 3) / 4)], // a ×4 network output brought to ×3
      ['linear', 0.25, 4 * W, 4 * H],
      ['linear', 1 / 3, 3 * W, 3 * H],
      ['linear', 2, floor(W / 2), floor(H / 2)],
    ];

    it.each(cases)('%s, ratio %f → %i×%i', (kernel, ratio, dw, dh) => {
      const expected = resampleRegion(src, { x: 0, y: 0, width: dw, height: dh }, ratio, kernel);
      // Enough source margin for the widest kernel: Lanczos-3 reaches 3·max(1, ratio) source pixels, linear 1.
      const margin = ceil(3 * max(1, ratio)) + 2;
      const xs = spans(dw, [floor(dw / 3), floor(dw / 3) + 1, floor((2 * dw) / 3) + 2].filter((c) => c > 0 && c < dw));
      const ys = spans(dh, [floor(dh / 2) - 1, floor(dh / 2) + 3].filter((c) => c > 0 && c < dh));
      let pieces = 0;
      for (const [dy0, dy1] of ys) {
        for (const [dx0, dx1] of xs) {
          const rect: Rect = { x: dx0, y: dy0, width: dx1 - dx0, height: dy1 - dy0 };
          const part = crop(
            src,
            max(0, floor(dx0 * ratio) - margin),
            max(0, floor(dy0 * ratio) - margin),
            min(W, ceil(dx1 * ratio) + margin),
            min(H, ceil(dy1 * ratio) + margin),
          );
          const got = resampleRegion(part, rect, ratio, kernel);
          expect(got).toHaveLength(C * rect.width * rect.height);
          for (let c = 0; c < C; c++) {
            for (let j = 0; j < rect.height; j++) {
              for (let i = 0; i < rect.width; i++) {
                const a = got[(c * rect.height + j) * rect.width + i];
                const b = expected[(c * dh + dy0 + j) * dw + dx0 + i];
                if (a !== b) throw new Error(`piece ${pieces}: channel ${c} pixel (${dx0 + i}, ${dy0 + j}) is ${a}, whole image gives ${b}`);
              }
            }
          }
          pieces++;
        }
      }
      expect(pieces).toBeGreaterThanOrEqual(6);
    });
  });

  it.each([
    ['lanczos3', 0.25], ['lanczos3', 0.5], ['lanczos3', 2], ['lanczos3', 3.5], ['linear', 0.25], ['linear', 2],
  ] as Array<[ResampleKernel, number]>)('keeps a constant image constant (%s, ratio %f)', (kernel, ratio) => {
    const out = resampleRegion(whole(new Float32Array(23 * 17).fill(77.5), 23, 17), { x: 0, y: 0, width: floor(23 / ratio), height: floor(17 / ratio) }, ratio, kernel);
    for (const v of out) if (Math.abs(v - 77.5) > 1e-3) throw new Error(`constant 77.5 became ${v}`);
  });

  it('linear at ratio 1 is the identity, exactly', () => {
    const data = randomPlanes(19, 11, 2, 3);
    const out = resampleRegion(whole(data, 19, 11, 2), { x: 0, y: 0, width: 19, height: 11 }, 1, 'linear');
    expect(Buffer.compare(Buffer.from(out.buffer), Buffer.from(data.buffer))).toBe(0);
  });

  it('lanczos3 at ratio 1 is the identity (to float precision)', () => {
    const data = randomPlanes(19, 11, 1, 4);
    const out = resampleRegion(whole(data, 19, 11), { x: 0, y: 0, width: 19, height: 11 }, 1, 'lanczos3');
    out.forEach((v, i) => { if (Math.abs(v - data[i]) > 1e-3) throw new Error(`pixel ${i}: ${v} vs ${data[i]}`); });
  });

  describe('linear is OpenCV INTER_LINEAR (half-pixel centres, edge replicated)', () => {
    it('×2 of a row: output x samples input (x + 0.5)/2 − 0.5', () => {
      const out = resampleRegion(whole(Float32Array.from([0, 10, 20, 40]), 4, 1), { x: 0, y: 0, width: 8, height: 1 }, 0.5, 'linear');
      // u = −0.25 (clamped to 0), 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25 (clamped to 3)
      expect(Array.from(out)).toEqual([0, 2.5, 7.5, 12.5, 17.5, 25, 35, 40]);
    });

    it('×2 of a 2×2 array', () => {
      // cv2.resize(np.float32([[0, 4], [8, 12]]), (4, 4), interpolation=cv2.INTER_LINEAR)
      const out = resampleRegion(whole(Float32Array.from([0, 4, 8, 12]), 2, 2), { x: 0, y: 0, width: 4, height: 4 }, 0.5, 'linear');
      expect(Array.from(out)).toEqual([
        0, 1, 3, 4,
        2, 3, 5, 6,
        6, 7, 9, 10,
        8, 9, 11, 12,
      ]);
    });

    it('×0.5 averages pixel pairs (u = 2x + 0.5), no antialiasing beyond that', () => {
      const out = resampleRegion(whole(Float32Array.from([0, 10, 20, 40, 80, 160]), 6, 1), { x: 0, y: 0, width: 3, height: 1 }, 2, 'linear');
      expect(Array.from(out)).toEqual([5, 30, 120]);
    });

    it('a region in the middle of the output uses global coordinates', () => {
      const out = resampleRegion(
        { data: Float32Array.from([20, 40]), width: 2, height: 1, channels: 1, originX: 2, originY: 0 },
        { x: 5, y: 0, width: 1, height: 1 },
        0.5,
        'linear',
      );
      expect(Array.from(out)).toEqual([25]); // global output x = 5 → u = 2.25 between global 2 (20) and 3 (40)
    });
  });

  describe('lanczos3 antialiases when shrinking', () => {
    const W = 60, H = 60;
    const checkerboard = Float32Array.from({ length: W * H }, (_, k) => ((k % W) + floor(k / W)) % 2);
    /** What a resize without any prefilter gives: the nearest source pixel. */
    const pointSample = (ratio: number, dw: number, dh: number): number[] => {
      const out: number[] = [];
      for (let y = 0; y < dh; y++) for (let x = 0; x < dw; x++) out.push(checkerboard[floor((y + 0.5) * ratio) * W + floor((x + 0.5) * ratio)]);
      return out;
    };

    it.each([2, 2.5, 4])('a 1-px checkerboard shrunk by %f is flat gray', (ratio) => {
      const dw = floor(W / ratio), dh = floor(H / ratio);
      const out = resampleRegion(whole(checkerboard, W, H), { x: 0, y: 0, width: dw, height: dh }, ratio, 'lanczos3');
      let worst = 0, worstInside = 0;
      for (let y = 0; y < dh; y++) {
        for (let x = 0; x < dw; x++) {
          const d = Math.abs(out[y * dw + x] - 0.5);
          worst = max(worst, d);
          if (x >= 4 && y >= 4 && x < dw - 4 && y < dh - 4) worstInside = max(worstInside, d);
        }
      }
      // Away from the border the kernel cancels the pattern; at the border the replicated edge leaves ≈ 2 %.
      expect(worstInside).toBeLessThan(1e-3);
      expect(worst).toBeLessThan(0.03);
      // Point sampling keeps only black or white pixels: at ratio 2 one phase of the pattern, else a moiré.
      const point = pointSample(ratio, dw, dh);
      expect(point.every((v) => v === 0 || v === 1)).toBe(true);
    });
  });
});
