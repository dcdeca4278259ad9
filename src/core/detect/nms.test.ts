import { nms, overlapOpencv, truncatedRect, type Candidate } from './nms';

const LM = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

function cand(score: number, box: [number, number, number, number], intRect?: [number, number, number, number]): Candidate {
  return intRect ? { score, box, landmarks: LM, intRect } : { score, box, landmarks: LM };
}

describe('nms', () => {
  it('returns candidates by descending score, equal scores in input order', () => {
    const a = cand(0.5, [0, 0, 10, 10]);
    const b = cand(0.9, [100, 0, 110, 10]);
    const c = cand(0.5, [200, 0, 210, 10]);
    for (const variant of ['torchvision', 'plusOne', 'opencvInt'] as const) {
      expect(nms([a, b, c], 0.4, { variant })).toEqual([b, a, c]);
    }
  });

  it('torchvision: suppresses only when IoU is strictly above the threshold', () => {
    // IoU = 50 / 150 = 1/3.
    const hi = cand(0.9, [0, 0, 10, 10]);
    const lo = cand(0.8, [5, 0, 15, 10]);
    expect(nms([lo, hi], 0.3, { variant: 'torchvision' })).toEqual([hi]);
    expect(nms([lo, hi], 0.34, { variant: 'torchvision' })).toEqual([hi, lo]);
    // IoU exactly 0.25 is not above 0.25.
    expect(nms([hi, cand(0.8, [6, 0, 16, 10])], 0.25, { variant: 'torchvision' })).toHaveLength(2);
  });

  it('is greedy: a box suppressed by a kept box cannot suppress others', () => {
    const a = cand(0.9, [0, 0, 10, 10]);
    const b = cand(0.8, [4, 0, 14, 10]); // IoU(a,b) = 60/140
    const c = cand(0.7, [8, 0, 18, 10]); // IoU(a,c) = 20/180, IoU(b,c) = 60/140
    expect(nms([a, b, c], 0.4, { variant: 'torchvision' })).toEqual([a, c]);
  });

  it('plusOne: uses the legacy +1 widths (insightface)', () => {
    // Continuous IoU = 36/126 ≈ 0.286; with +1: 50/150 ≈ 0.333.
    const hi = cand(0.9, [0, 0, 9, 9]);
    const lo = cand(0.8, [5, 0, 14, 9]);
    expect(nms([hi, lo], 0.3, { variant: 'torchvision' })).toHaveLength(2);
    expect(nms([hi, lo], 0.3, { variant: 'plusOne' })).toEqual([hi]);
  });

  it('opencvInt: measures overlap on integer-truncated (x, y, w, h) rects', () => {
    // Continuous IoU = 51/149 ≈ 0.342; truncated b = (4,0,10,10): 60/140 ≈ 0.429.
    const a = cand(0.9, [0, 0, 10, 10]);
    const b = cand(0.8, [4.9, 0, 14.9, 10]);
    expect(nms([a, b], 0.4, { variant: 'torchvision' })).toHaveLength(2);
    expect(nms([a, b], 0.4, { variant: 'opencvInt' })).toEqual([a]);
  });

  it('opencvInt: prefers the decoder-supplied intRect and compares in float32 with <=', () => {
    const a = cand(0.9, [0, 0, 10, 10], [0, 0, 10, 10]);
    // Box says no overlap, intRect says IoU = 40/160 = 0.25 exactly.
    const b = cand(0.8, [50, 50, 60, 60], [6, 0, 10, 10]);
    expect(truncatedRect(b)).toEqual([6, 0, 10, 10]);
    expect(nms([a, b], 0.25, { variant: 'opencvInt' })).toHaveLength(2);
    expect(nms([a, b], 0.24, { variant: 'opencvInt' })).toEqual([a]);
  });

  it('truncates toward zero like a C++ int cast', () => {
    expect(truncatedRect(cand(1, [-1.5, 2.7, 8.2, 9.9]))).toEqual([-1, 2, 9, 7]);
  });

  it('empty boxes: torchvision keeps both (NaN IoU), OpenCV treats two empty rects as identical', () => {
    const a = cand(0.9, [5, 5, 5, 5]);
    const b = cand(0.8, [5, 5, 5, 5]);
    expect(nms([a, b], 0.5, { variant: 'torchvision' })).toHaveLength(2);
    expect(overlapOpencv([5, 5, 0, 0], [5, 5, 0, 0])).toBe(1);
    expect(nms([a, b], 0.5, { variant: 'opencvInt' })).toEqual([a]);
  });

  it('topK keeps only the best candidates before suppression', () => {
    const list = [cand(0.1, [0, 0, 1, 1]), cand(0.3, [10, 0, 11, 1]), cand(0.2, [20, 0, 21, 1])];
    expect(nms(list, 0.5, { variant: 'opencvInt', topK: 2 }).map((c) => c.score)).toEqual([0.3, 0.2]);
  });

  it('handles no candidates', () => {
    expect(nms([], 0.3, { variant: 'torchvision' })).toEqual([]);
  });
});
