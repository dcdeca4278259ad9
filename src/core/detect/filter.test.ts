import { clampedArea, eyeDistance, finalizeFaces } from './filter';
import type { Candidate } from './nms';

/** A candidate whose eyes sit `eyes` px apart on the box's upper third. */
function cand(score: number, box: [number, number, number, number], eyes = 20): Candidate {
  const [x1, y1, x2, y2] = box;
  const cx = (x1 + x2) / 2;
  const ey = y1 + (y2 - y1) / 3;
  return { score, box, landmarks: [cx - eyes / 2, ey, cx + eyes / 2, ey, cx, ey + 5, cx - 5, ey + 10, cx + 5, ey + 10] };
}

const NONE = { eyeDistanceThreshold: 0, onlyCenterFace: false, onlyLargest: false, maxFaces: 0 };
const IDENTITY = { scaleX: 1, scaleY: 1, imageWidth: 200, imageHeight: 100 };

describe('finalizeFaces', () => {
  it('maps boxes and landmarks to full resolution per axis and numbers faces in order', () => {
    const c: Candidate = { score: 0.9, box: [10, 20, 30, 40], landmarks: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] };
    const [f] = finalizeFaces([c], { scaleX: 2, scaleY: 3, imageWidth: 100, imageHeight: 100 }, NONE);
    expect(f).toEqual({
      index: 0,
      score: 0.9,
      box: [20, 60, 60, 120],
      landmarks: [[2, 6], [6, 12], [10, 18], [14, 24], [18, 30]],
    });
  });

  it('drops faces whose eye distance (in full-resolution pixels) is below the threshold; equal is kept', () => {
    const faces = [cand(0.9, [0, 0, 50, 50], 4), cand(0.8, [60, 0, 110, 50], 5), cand(0.7, [120, 0, 170, 50], 2.4)];
    const kept = finalizeFaces(faces, IDENTITY, { ...NONE, eyeDistanceThreshold: 5 });
    expect(kept.map((f) => [f.index, f.score])).toEqual([[0, 0.8]]);
    // Measured after mapping: 2.4 px at scale 2 is 4.8 px, 4 px is 8 px.
    const scaled = finalizeFaces(faces, { ...IDENTITY, scaleX: 2, scaleY: 2 }, { ...NONE, eyeDistanceThreshold: 5 });
    expect(scaled.map((f) => f.score)).toEqual([0.9, 0.8]);
    expect(finalizeFaces(faces, IDENTITY, NONE)).toHaveLength(3);
  });

  it('onlyLargest keeps the face with the largest box area after clamping to the image', () => {
    // 80×80 box mostly off-image (clamped 20×80 = 1600) vs a 45×45 = 2025 box inside.
    const offImage = cand(0.9, [-60, 0, 20, 80]);
    const inside = cand(0.8, [100, 10, 145, 55]);
    const [f] = finalizeFaces([offImage, inside], IDENTITY, { ...NONE, onlyLargest: true });
    expect(f).toMatchObject({ index: 0, score: 0.8 });
  });

  it('onlyLargest: ties go to the first (highest-scoring) face', () => {
    const kept = finalizeFaces([cand(0.9, [0, 0, 40, 40]), cand(0.8, [100, 0, 140, 40])], IDENTITY, { ...NONE, onlyLargest: true });
    expect(kept.map((f) => f.score)).toEqual([0.9]);
  });

  it('onlyCenterFace keeps the box whose centre is nearest the image centre; ties go to the first', () => {
    const far = cand(0.9, [0, 0, 20, 20]);
    const near = cand(0.8, [90, 40, 110, 60]);
    expect(finalizeFaces([far, near], IDENTITY, { ...NONE, onlyCenterFace: true }).map((f) => f.score)).toEqual([0.8]);
    // Mirror images around the centre (100, 50): equal distances.
    const left = cand(0.7, [60, 40, 80, 60]);
    const right = cand(0.95, [120, 40, 140, 60]);
    expect(finalizeFaces([left, right], IDENTITY, { ...NONE, onlyCenterFace: true }).map((f) => f.score)).toEqual([0.7]);
  });

  it('onlyLargest takes precedence over onlyCenterFace', () => {
    const centred = cand(0.9, [90, 40, 110, 60]);
    const large = cand(0.8, [0, 0, 60, 60]);
    const kept = finalizeFaces([centred, large], IDENTITY, { ...NONE, onlyCenterFace: true, onlyLargest: true });
    expect(kept.map((f) => f.score)).toEqual([0.8]);
  });

  it('applies the eye-distance filter before choosing the largest face', () => {
    const largeProfile = cand(0.9, [0, 0, 90, 90], 3);
    const small = cand(0.8, [100, 0, 120, 20]);
    const kept = finalizeFaces([largeProfile, small], IDENTITY, { ...NONE, eyeDistanceThreshold: 5, onlyLargest: true });
    expect(kept.map((f) => f.score)).toEqual([0.8]);
  });

  it('maxFaces keeps the first n; 0 means no limit', () => {
    const list = [cand(0.9, [0, 0, 20, 20]), cand(0.8, [30, 0, 50, 20]), cand(0.7, [60, 0, 80, 20])];
    expect(finalizeFaces(list, IDENTITY, { ...NONE, maxFaces: 2 }).map((f) => [f.index, f.score])).toEqual([
      [0, 0.9],
      [1, 0.8],
    ]);
    expect(finalizeFaces(list, IDENTITY, { ...NONE, maxFaces: 0 })).toHaveLength(3);
  });

  it('returns nothing when nothing survives', () => {
    expect(finalizeFaces([], IDENTITY, { ...NONE, onlyLargest: true })).toEqual([]);
  });
});

describe('helpers', () => {
  it('eyeDistance is the Euclidean distance between landmarks 0 and 1', () => {
    expect(eyeDistance([[0, 0], [3, 4], [0, 0], [0, 0], [0, 0]])).toBe(5);
  });

  it('clampedArea clamps each side to the image', () => {
    expect(clampedArea([-10, -10, 10, 10], 100, 100)).toBe(100);
    expect(clampedArea([90, 90, 110, 120], 100, 100)).toBe(100);
  });
});
