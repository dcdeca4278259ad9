/**
 * Candidate faces as the decoders produce them (plus the decoder contract they share), and greedy non-maximum
 * suppression in the three flavours the reference detectors use. All three are the same greedy rule (walk by
 * descending score, keep a box unless it overlaps an already kept box by more than the threshold); they differ only
 * in how overlap is measured, and those differences decide borderline pairs, so each detector keeps its own.
 */
import { RestoreError } from '../errors';
import type { LoadedModel, Tensor } from '../runtime';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { fround, max, min, trunc } = Math;

/** One raw detection in detector-input pixels (before mapping back to the full-resolution image). */
export interface Candidate {
  readonly score: number;
  /** [x1, y1, x2, y2]. */
  readonly box: readonly [number, number, number, number];
  /** 10 values: x, y of the 5 landmarks in image-left-first order (see Landmarks5). */
  readonly landmarks: readonly number[];
  /**
   * YuNet only: the integer (x, y, w, h) rectangle OpenCV's NMSBoxes sees, truncated from the float32 values the
   * decoder computed. Kept here because re-deriving w from x2 − x1 can land just below an integer.
   */
  readonly intRect?: readonly [number, number, number, number];
}

/** Turns a detector's raw outputs into candidates above `scoreThreshold`, in detector-input pixels. */
export type Decoder = (
  outputs: Record<string, Tensor>,
  inputWidth: number,
  inputHeight: number,
  scoreThreshold: number,
) => Candidate[];

/** Checks a model's outputs when the detector is created and returns the decoder bound to them. */
export type DecoderFactory = (model: LoadedModel, label: string) => Decoder;

/**
 * - `torchvision`: IoU = inter / union with continuous coordinates (facexlib's RetinaFace via torchvision.ops.nms).
 * - `plusOne`: the legacy Caffe/py-faster-rcnn formula with +1 on widths and heights (insightface's SCRFD).
 * - `opencvInt`: cv2.dnn.NMSBoxes on integer-truncated rects, overlap compared in float32 (OpenCV's YuNet).
 */
export type NmsVariant = 'torchvision' | 'plusOne' | 'opencvInt';

export interface NmsOptions {
  readonly variant: NmsVariant;
  /** Keep at most this many candidates (by score) before suppression; OpenCV's top_k. Default: all. */
  readonly topK?: number;
}

function iouTorchvision(a: Candidate, b: Candidate): number {
  const [ax1, ay1, ax2, ay2] = a.box;
  const [bx1, by1, bx2, by2] = b.box;
  const w = max(0, min(ax2, bx2) - max(ax1, bx1));
  const h = max(0, min(ay2, by2) - max(ay1, by1));
  const inter = w * h;
  return inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter);
}

function iouPlusOne(a: Candidate, b: Candidate): number {
  const [ax1, ay1, ax2, ay2] = a.box;
  const [bx1, by1, bx2, by2] = b.box;
  const w = max(0, min(ax2, bx2) - max(ax1, bx1) + 1);
  const h = max(0, min(ay2, by2) - max(ay1, by1) + 1);
  const inter = w * h;
  return inter / ((ax2 - ax1 + 1) * (ay2 - ay1 + 1) + (bx2 - bx1 + 1) * (by2 - by1 + 1) - inter);
}

/** The rect NMSBoxes sees: C++ int() truncates toward zero. */
export function truncatedRect(c: Candidate): readonly [number, number, number, number] {
  if (c.intRect) return c.intRect;
  const [x1, y1, x2, y2] = c.box;
  return [trunc(x1), trunc(y1), trunc(x2 - x1), trunc(y2 - y1)];
}

/** OpenCV's rectOverlap = 1 − jaccardDistance for Rect2i (two empty rects count as identical). */
export function overlapOpencv(a: readonly number[], b: readonly number[]): number {
  const areaA = a[2] * a[3];
  const areaB = b[2] * b[3];
  if (areaA + areaB <= 0) return 1;
  const x1 = max(a[0], b[0]);
  const y1 = max(a[1], b[1]);
  const w = min(a[0] + a[2], b[0] + b[2]) - x1;
  const h = min(a[1] + a[3], b[1] + b[3]) - y1;
  const inter = w <= 0 || h <= 0 ? 0 : w * h;
  return fround(inter / (areaA + areaB - inter));
}

/**
 * Greedy NMS. Returns the kept candidates in descending score order; equal scores keep their input order
 * (a stable sort, as OpenCV's stable_sort does).
 */
export function nms(candidates: readonly Candidate[], iouThreshold: number, options: NmsOptions): Candidate[] {
  const order = candidates.map((c, i) => i);
  order.sort((i, j) => candidates[j].score - candidates[i].score || i - j);
  const limit = min(order.length, options.topK ?? order.length);
  const kept: Candidate[] = [];
  if (options.variant === 'opencvInt') {
    // OpenCV compares float overlap against a float threshold.
    const threshold = fround(iouThreshold);
    const keptRects: Array<readonly number[]> = [];
    for (let n = 0; n < limit; n++) {
      const c = candidates[order[n]];
      const rect = truncatedRect(c);
      if (keptRects.every((k) => overlapOpencv(rect, k) <= threshold)) {
        kept.push(c);
        keptRects.push(rect);
      }
    }
    return kept;
  }
  const iou = options.variant === 'plusOne' ? iouPlusOne : iouTorchvision;
  for (let n = 0; n < limit; n++) {
    const c = candidates[order[n]];
    // `!(x > t)` rather than `x <= t`: a NaN IoU (two empty boxes) suppresses nothing, as in torchvision.
    if (kept.every((k) => !(iou(c, k) > iouThreshold))) kept.push(c);
  }
  return kept;
}

/**
 * Throws MODEL_CONTRACT unless the model declares every output in `required`. The message lists what the detector
 * needs and what the file has, so a user who picked the wrong file sees it at once.
 */
export function requireOutputNames(detector: string, model: LoadedModel, label: string, required: readonly string[]): void {
  const names = model.outputs.map((o) => o.name);
  const missing = required.filter((r) => !names.includes(r));
  if (missing.length > 0) {
    throw new RestoreError(
      'MODEL_CONTRACT',
      `${detector} detector model must have outputs ${required.join(', ')}; this one (${label}) has ${names.join(', ') || 'none'}`,
    );
  }
}
