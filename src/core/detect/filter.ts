/**
 * What facexlib's get_face_landmarks_5 does after the detector: map to full-resolution pixels, drop faces whose eyes
 * are too close (profiles, tiny faces), then optionally keep one face. The surviving order is the detector's
 * (descending score) and becomes the output numbering.
 */
import type { Box, DetectedFace, Landmarks5, Point } from '../types';
import type { ResolvedDetectOptions } from './types';
import type { Candidate } from './nms';

/** How detector-input pixels map to the full-resolution image. */
export interface FaceMapping {
  readonly scaleX: number;
  readonly scaleY: number;
  /** Full-resolution image size (for onlyLargest's clamping and onlyCenterFace's centre). */
  readonly imageWidth: number;
  readonly imageHeight: number;
}

type FilterOptions = Pick<ResolvedDetectOptions, 'eyeDistanceThreshold' | 'onlyCenterFace' | 'onlyLargest' | 'maxFaces'>;

interface MappedFace {
  readonly score: number;
  readonly box: Box;
  readonly landmarks: Landmarks5;
}

function mapCandidate(c: Candidate, m: FaceMapping): MappedFace {
  const [x1, y1, x2, y2] = c.box;
  const l = c.landmarks;
  const point = (n: number): Point => [l[2 * n] * m.scaleX, l[2 * n + 1] * m.scaleY];
  return {
    score: c.score,
    box: [x1 * m.scaleX, y1 * m.scaleY, x2 * m.scaleX, y2 * m.scaleY],
    landmarks: [point(0), point(1), point(2), point(3), point(4)],
  };
}

export function eyeDistance(landmarks: Landmarks5): number {
  return Math.hypot(landmarks[0][0] - landmarks[1][0], landmarks[0][1] - landmarks[1][1]);
}

/** Box area after clamping to the image (facexlib's get_largest_face). */
export function clampedArea(box: Box, width: number, height: number): number {
  const x1 = Math.max(0, box[0]);
  const y1 = Math.max(0, box[1]);
  const x2 = Math.min(width, box[2]);
  const y2 = Math.min(height, box[3]);
  return (x2 - x1) * (y2 - y1);
}

/** Index of the first maximum of `values` (numpy argmax: ties go to the first, i.e. the higher score). */
function argBest(values: readonly number[], isBetter: (a: number, b: number) => boolean): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (isBetter(values[i], values[best])) best = i;
  return best;
}

/**
 * Applies the post-NMS rules in facexlib's order: eye distance (strict `<` drops), then onlyLargest (which wins)
 * or onlyCenterFace, then maxFaces; then numbers the survivors.
 */
export function finalizeFaces(kept: readonly Candidate[], mapping: FaceMapping, options: FilterOptions): DetectedFace[] {
  let faces = kept.map((c) => mapCandidate(c, mapping)).filter((f) => !(eyeDistance(f.landmarks) < options.eyeDistanceThreshold));
  if (faces.length > 1 && options.onlyLargest) {
    const areas = faces.map((f) => clampedArea(f.box, mapping.imageWidth, mapping.imageHeight));
    faces = [faces[argBest(areas, (a, b) => a > b)]];
  } else if (faces.length > 1 && options.onlyCenterFace) {
    const cx = mapping.imageWidth / 2;
    const cy = mapping.imageHeight / 2;
    const distances = faces.map((f) => Math.hypot((f.box[0] + f.box[2]) / 2 - cx, (f.box[1] + f.box[3]) / 2 - cy));
    faces = [faces[argBest(distances, (a, b) => a < b)]];
  }
  if (options.maxFaces > 0 && faces.length > options.maxFaces) faces = faces.slice(0, options.maxFaces);
  return faces.map((f, index) => ({ index, score: f.score, box: f.box, landmarks: f.landmarks }));
}
