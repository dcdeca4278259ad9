/**
 * RetinaFace decoding as facexlib does it (facexlib/detection/retinaface.py, retinaface_utils.py): SSD-style priors
 * on three levels, two sizes per cell, box and landmark offsets scaled by the variances.
 */
import { requireOutput } from '../runtime';
import type { PixelSpec } from './prepare';
import { requireOutputNames, type Candidate, type DecoderFactory } from './nms';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { ceil, exp } = Math;

/** BGR minus the Caffe means (104, 117, 123), no scaling. */
export const RETINAFACE_PIXELS: PixelSpec = { order: 'bgr', mean: [104, 117, 123], scale: 1 };

/** facexlib's cfg: anchor sizes per level, strides, variances. */
const MIN_SIZES = [[16, 32], [64, 128], [256, 512]] as const;
const STEPS = [8, 16, 32] as const;
const VARIANCE = [0.1, 0.2] as const;

/**
 * Prior boxes (cx, cy, w, h), normalised to the input size, in the network's order: level, row, column, size.
 * Feature maps are ceil(size / step), matching stride-2 convolutions with padding 1.
 */
export function retinafacePriors(inputWidth: number, inputHeight: number): Float64Array {
  let count = 0;
  for (let k = 0; k < STEPS.length; k++) {
    count += ceil(inputHeight / STEPS[k]) * ceil(inputWidth / STEPS[k]) * MIN_SIZES[k].length;
  }
  const priors = new Float64Array(count * 4);
  let p = 0;
  for (let k = 0; k < STEPS.length; k++) {
    const step = STEPS[k];
    const rows = ceil(inputHeight / step);
    const cols = ceil(inputWidth / step);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        for (const m of MIN_SIZES[k]) {
          priors[p++] = ((j + 0.5) * step) / inputWidth;
          priors[p++] = ((i + 0.5) * step) / inputHeight;
          priors[p++] = m / inputWidth;
          priors[p++] = m / inputHeight;
        }
      }
    }
  }
  return priors;
}

/**
 * The landmark output is `landms` in facexlib's naming; the shared ONNX export calls it `iou` (10 values per prior,
 * misnamed at export). Either is accepted.
 */
const LANDMARK_NAMES = ['landms', 'iou'] as const;

export const createRetinafaceDecoder: DecoderFactory = (model, label) => {
  const names = model.outputs.map((o) => o.name);
  const landmarkName = LANDMARK_NAMES.find((n) => names.includes(n)) ?? 'iou';
  requireOutputNames('retinaface', model, label, ['loc', 'conf', landmarkName]);
  return (outputs, inputWidth, inputHeight, scoreThreshold) => {
    const priors = retinafacePriors(inputWidth, inputHeight);
    const n = priors.length / 4;
    const loc = requireOutput(outputs, 'loc', label, n * 4);
    const conf = requireOutput(outputs, 'conf', label, n * 2);
    const landms = requireOutput(outputs, landmarkName, label, n * 10);
    const faces: Candidate[] = [];
    for (let i = 0; i < n; i++) {
      // conf is already softmaxed; column 1 is "face". facexlib keeps score > threshold.
      const score = conf[i * 2 + 1];
      if (!(score > scoreThreshold)) continue;
      const pcx = priors[i * 4];
      const pcy = priors[i * 4 + 1];
      const pw = priors[i * 4 + 2];
      const ph = priors[i * 4 + 3];
      const cx = pcx + loc[i * 4] * VARIANCE[0] * pw;
      const cy = pcy + loc[i * 4 + 1] * VARIANCE[0] * ph;
      const w = pw * exp(loc[i * 4 + 2] * VARIANCE[1]);
      const h = ph * exp(loc[i * 4 + 3] * VARIANCE[1]);
      const landmarks: number[] = new Array<number>(10);
      for (let t = 0; t < 5; t++) {
        landmarks[2 * t] = (pcx + landms[i * 10 + 2 * t] * VARIANCE[0] * pw) * inputWidth;
        landmarks[2 * t + 1] = (pcy + landms[i * 10 + 2 * t + 1] * VARIANCE[0] * ph) * inputHeight;
      }
      faces.push({
        score,
        box: [(cx - w / 2) * inputWidth, (cy - h / 2) * inputHeight, (cx + w / 2) * inputWidth, (cy + h / 2) * inputHeight],
        landmarks,
      });
    }
    return faces;
  };
};
