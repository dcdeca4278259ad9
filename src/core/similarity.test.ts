import { GFPGAN } from './models';
import { estimateSimilarity, leastSquaresSimilarity } from './similarity';
import type { Affine, Point } from './types';

const apply = (m: Affine, [x, y]: Point): Point => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];

/** A similarity with scale s, angle θ and translation (tx, ty), as a 2×3 matrix. */
function similarity(s: number, theta: number, tx: number, ty: number): Affine {
  const a = s * Math.cos(theta), b = s * Math.sin(theta);
  return [a, -b, tx, b, a, ty];
}

describe('leastSquaresSimilarity', () => {
  it('recovers an exact similarity from noise-free points', () => {
    const truth = similarity(2.5, 0.3, 17, -40);
    const from = GFPGAN.template.map((p) => apply(similarity(0.3, -0.2, 100, 50), p));
    const to = from.map((p) => apply(truth, p));
    const m = leastSquaresSimilarity(from, to);
    m.forEach((v, i) => expect(v).toBeCloseTo(truth[i], 9));
  });

  it('solves the normal equations of the 4-parameter model (worked example)', () => {
    // Points (0,0),(2,0),(0,2) → (1,1),(1,3),(-1,1) with one perturbed: the centred sums give a, b directly.
    const from: Point[] = [[0, 0], [2, 0], [0, 2]];
    const to: Point[] = [[1, 1], [1, 3], [-1, 1.3]];
    // Centroids: from (2/3, 2/3), to (1/3, 5.3/3). a = Σ(x'u' + y'v')/Σ(x'²+y'²), b = Σ(x'v' − y'u')/Σ(x'²+y'²).
    const fx = [-2 / 3, 4 / 3, -2 / 3], fy = [-2 / 3, -2 / 3, 4 / 3];
    const tu = [1 - 1 / 3, 1 - 1 / 3, -1 - 1 / 3], tv = [1 - 5.3 / 3, 3 - 5.3 / 3, 1.3 - 5.3 / 3];
    let sxx = 0, sa = 0, sb = 0;
    for (let i = 0; i < 3; i++) { sxx += fx[i] ** 2 + fy[i] ** 2; sa += fx[i] * tu[i] + fy[i] * tv[i]; sb += fx[i] * tv[i] - fy[i] * tu[i]; }
    const a = sa / sxx, b = sb / sxx;
    const m = leastSquaresSimilarity(from, to);
    expect(m[0]).toBeCloseTo(a, 12);
    expect(m[3]).toBeCloseTo(b, 12);
    expect(m[1]).toBeCloseTo(-b, 12);
    expect(m[4]).toBeCloseTo(a, 12);
    expect(m[2]).toBeCloseTo(1 / 3 - (a * 2 / 3 - b * 2 / 3), 12);
    expect(m[5]).toBeCloseTo(5.3 / 3 - (b * 2 / 3 + a * 2 / 3), 12);
  });
});

describe('estimateSimilarity (OpenCV LMEDS)', () => {
  it('maps landmarks onto the FFHQ template for a rotated, scaled face', () => {
    const toImage = similarity(0.4, 0.5, 300, 200);
    const landmarks = GFPGAN.template.map((p) => apply(toImage, p));
    const m = estimateSimilarity(landmarks, GFPGAN.template);
    landmarks.forEach((p, i) => {
      const q = apply(m, p);
      expect(q[0]).toBeCloseTo(GFPGAN.template[i][0], 2);
      expect(q[1]).toBeCloseTo(GFPGAN.template[i][1], 2);
    });
    expect(Math.hypot(m[0], m[3])).toBeCloseTo(2.5, 4);
  });

  it('keeps a landmark that LMEDS would flag only relative to a tiny median (exact points: all inliers)', () => {
    // With exact points every 2-point model fits all five, the median error is ~0 and the final fit is the
    // least-squares one over all five.
    const from = GFPGAN.template.map((p) => apply(similarity(0.5, -0.1, 40, 60), p));
    const lmeds = estimateSimilarity(from, GFPGAN.template);
    const f32 = (p: Point): Point => [Math.fround(p[0]), Math.fround(p[1])];
    const ls = leastSquaresSimilarity(from.map(f32), GFPGAN.template.map(f32));
    lmeds.forEach((v, i) => expect(v).toBeCloseTo(ls[i], 6));
  });

  it('drops a grossly wrong landmark, as LMEDS does, and fits the other four', () => {
    const truth = similarity(0.5, 0.2, 80, 30);
    const from = GFPGAN.template.map((p) => apply(truth, p)) as Point[];
    from[2] = [from[2][0] + 60, from[2][1] - 45]; // the nose detection is far off
    const m = estimateSimilarity(from, GFPGAN.template);
    // OpenCV works on float32 copies of the points.
    const f32 = (p: Point): Point => [Math.fround(p[0]), Math.fround(p[1])];
    const expected = leastSquaresSimilarity([0, 1, 3, 4].map((i) => f32(from[i])), [0, 1, 3, 4].map((i) => f32(GFPGAN.template[i])));
    m.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 9));
    // …which is the true inverse (scale 2, angle −0.2) up to float32 rounding of the points.
    const inv = similarity(2, -0.2, 0, 0);
    expect(m[0]).toBeCloseTo(inv[0], 5);
    expect(m[3]).toBeCloseTo(inv[3], 5);
  });

  it('rejects mismatched point lists', () => {
    expect(() => estimateSimilarity([[0, 0]], [[1, 1]])).toThrow(RangeError);
  });
});
