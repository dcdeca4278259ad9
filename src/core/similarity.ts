/**
 * 5-point similarity fit, as facexlib does it: `cv2.estimateAffinePartial2D(landmarks, template, method=LMEDS)`.
 *
 * OpenCV (calib3d/src/ptsetreg.cpp) runs LMeDS over 2-point subsets drawn by `cv::RNG((uint64)-1)`, keeps the
 * subset model with the smallest median squared error, marks inliers within 2.5·1.4826·(1+5/(n−2))·√median, then
 * refines (a, b, tx, ty) with Levenberg–Marquardt on the inliers. The model is linear in its parameters, so that
 * refinement converges to the least-squares similarity over the inliers, which we solve in closed form. The subset
 * draws, the float32 error arithmetic and the inlier rule are reproduced so that an outlying landmark is dropped
 * exactly when OpenCV drops it.
 */
import type { Affine, Point } from './types';

const f32 = Math.fround;
const U32 = 0xffffffffn;
const RNG_COEFF = 4164903690n;

/** cv::RNG: multiply-with-carry on a 64-bit state. */
class CvRng {
  private state = 0xffffffffffffffffn;

  next(): number {
    this.state = (this.state & U32) * RNG_COEFF + (this.state >> 32n);
    this.state &= 0xffffffffffffffffn;
    return Number(this.state & U32);
  }

  uniform(a: number, b: number): number {
    return a === b ? a : (this.next() % (b - a)) + a;
  }
}

/** OpenCV's RANSACUpdateNumIters. */
function lmedsIterations(confidence: number, outlierRatio: number, modelPoints: number, maxIters: number): number {
  const num = Math.log(Math.max(1 - confidence, Number.MIN_VALUE));
  const denom = Math.log(1 - Math.pow(1 - outlierRatio, modelPoints));
  if (denom >= 0 || -num >= maxIters * -denom) return maxIters;
  return Math.round(num / denom);
}

/** Exact similarity through two point pairs (AffinePartial2DEstimatorCallback::runKernel). */
function twoPointSimilarity(p: readonly Point[], q: readonly Point[]): Affine {
  const [x1, y1] = p[0];
  const [x2, y2] = p[1];
  const [X1, Y1] = q[0];
  const [X2, Y2] = q[1];
  const d = 1 / ((x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2));
  const s0 = d * ((X1 - X2) * (x1 - x2) + (Y1 - Y2) * (y1 - y2));
  const s1 = d * ((Y1 - Y2) * (x1 - x2) - (X1 - X2) * (y1 - y2));
  const s2 = d * ((Y1 - Y2) * (x1 * y2 - x2 * y1) - (X1 * y2 - X2 * y1) * (y1 - y2) - (X1 * x2 - X2 * x1) * (x1 - x2));
  const s3 = d * (-(X1 - X2) * (x1 * y2 - x2 * y1) - (Y1 * x2 - Y2 * x1) * (x1 - x2) - (Y1 * y2 - Y2 * y1) * (y1 - y2));
  return [s0, -s1, s2, s1, s0, s3];
}

/** Squared reprojection errors in float32, as Affine2DEstimatorCallback::computeError. */
function squaredErrors(m: Affine, from: readonly Point[], to: readonly Point[]): number[] {
  const h = m.map(f32);
  return from.map(([x, y], i) => {
    const a = f32(f32(f32(f32(h[0] * x) + f32(h[1] * y)) + h[2]) - to[i][0]);
    const b = f32(f32(f32(f32(h[3] * x) + f32(h[4] * y)) + h[5]) - to[i][1]);
    return f32(f32(a * a) + f32(b * b));
  });
}

/**
 * Closed-form least-squares similarity (no reflection) mapping `from` onto `to`:
 * minimises Σ‖(a·x − b·y + tx, b·x + a·y + ty) − (u, v)‖².
 */
export function leastSquaresSimilarity(from: readonly Point[], to: readonly Point[]): Affine {
  const n = from.length;
  let mx = 0, my = 0, mu = 0, mv = 0;
  for (let i = 0; i < n; i++) {
    mx += from[i][0]; my += from[i][1]; mu += to[i][0]; mv += to[i][1];
  }
  mx /= n; my /= n; mu /= n; mv /= n;
  let sxx = 0, sa = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    const x = from[i][0] - mx, y = from[i][1] - my, u = to[i][0] - mu, v = to[i][1] - mv;
    sxx += x * x + y * y;
    sa += x * u + y * v;
    sb += x * v - y * u;
  }
  const a = sa / sxx;
  const b = sb / sxx;
  return [a, -b, mu - (a * mx - b * my), b, a, mv - (b * mx + a * my)];
}

/**
 * Robust similarity transform from `from` to `to` (≥ 2 pairs), reproducing OpenCV's
 * estimateAffinePartial2D(..., LMEDS) with its defaults (confidence 0.99, maxIters 2000, refineIters 10).
 * @returns the 2×3 matrix mapping `from` into `to`.
 */
export function estimateSimilarity(fromPoints: readonly Point[], toPoints: readonly Point[]): Affine {
  if (fromPoints.length !== toPoints.length || fromPoints.length < 2) {
    throw new RangeError(`estimateSimilarity needs two equally long lists of ≥ 2 points; got ${fromPoints.length} and ${toPoints.length}`);
  }
  // OpenCV converts the point sets to float32 first.
  const from = fromPoints.map(([x, y]) => [f32(x), f32(y)] as const);
  const to = toPoints.map(([x, y]) => [f32(x), f32(y)] as const);
  const count = from.length;
  const modelPoints = 2;
  if (count === modelPoints) return twoPointSimilarity(from, to);

  const rng = new CvRng();
  const iterations = Math.max(lmedsIterations(0.99, 0.45, modelPoints, 2000), 3);
  let best: Affine | undefined;
  let minMedian = Number.MAX_VALUE;
  for (let iter = 0; iter < iterations; iter++) {
    const idx: number[] = [];
    for (let i = 0; i < modelPoints; i++) {
      let j = rng.uniform(0, count);
      while (idx.includes(j)) j = rng.uniform(0, count);
      idx.push(j);
    }
    const model = twoPointSimilarity(idx.map((i) => from[i]), idx.map((i) => to[i]));
    if (!model.every(Number.isFinite)) continue;
    const errors = squaredErrors(model, from, to).sort((p, q) => p - q);
    const median = errors[count >> 1];
    if (median < minMedian) {
      minMedian = median;
      best = model;
    }
  }
  if (!best) return leastSquaresSimilarity(from, to);
  const sigma = Math.max(2.5 * 1.4826 * (1 + 5 / (count - modelPoints)) * Math.sqrt(minMedian), 0.001);
  const errors = squaredErrors(best, from, to);
  const inliers = errors.map((e, i) => (e <= sigma * sigma ? i : -1)).filter((i) => i >= 0);
  if (inliers.length < modelPoints) return best;
  return leastSquaresSimilarity(inliers.map((i) => from[i]), inliers.map((i) => to[i]));
}
