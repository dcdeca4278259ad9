/**
 * YuNet 2023mar decoding, following OpenCV's FaceDetectorYN (objdetect/src/face_detect.cpp). Arithmetic is done in
 * float32 where OpenCV does, because NMS works on integer-truncated rects and a float64 result can truncate
 * differently.
 */
import { requireOutput } from '../runtime';
import type { PixelSpec } from './prepare';
import { requireOutputNames, type Candidate, type DecoderFactory } from './nms';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { exp, sqrt, trunc } = Math;

/** BGR, raw 0..255: OpenCV's blobFromImage defaults. */
export const YUNET_PIXELS: PixelSpec = { order: 'bgr', mean: [0, 0, 0], scale: 1 };

/** FaceDetectorYN's default top_k for NMSBoxes. */
export const YUNET_TOP_K = 5000;

const STRIDES = [8, 16, 32] as const;
const HEADS = ['cls', 'obj', 'bbox', 'kps'] as const;

/** Every output name the decoder reads: cls_8, cls_16, cls_32, obj_8, …, kps_32. */
export const YUNET_OUTPUTS: readonly string[] = HEADS.flatMap((head) => STRIDES.map((s) => `${head}_${s}`));

const f = Math.fround;

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export const createYunetDecoder: DecoderFactory = (model, label) => {
  requireOutputNames('yunet', model, label, YUNET_OUTPUTS);
  return (outputs, inputWidth, inputHeight, scoreThreshold) => {
    // OpenCV skips score < threshold while decoding, then NMSBoxes keeps score > threshold; both in float32.
    const threshold = f(scoreThreshold);
    const faces: Candidate[] = [];
    for (const s of STRIDES) {
      const cols = inputWidth / s;
      const rows = inputHeight / s;
      const cells = rows * cols;
      const cls = requireOutput(outputs, `cls_${s}`, label, cells);
      const obj = requireOutput(outputs, `obj_${s}`, label, cells);
      const bbox = requireOutput(outputs, `bbox_${s}`, label, cells * 4);
      const kps = requireOutput(outputs, `kps_${s}`, label, cells * 10);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const idx = r * cols + c;
          const score = f(sqrt(f(clamp01(cls[idx]) * clamp01(obj[idx]))));
          if (!(score > threshold)) continue;
          const b = idx * 4;
          const cx = f(f(c + bbox[b]) * s);
          const cy = f(f(r + bbox[b + 1]) * s);
          const w = f(f(exp(bbox[b + 2])) * s);
          const h = f(f(exp(bbox[b + 3])) * s);
          const x1 = f(cx - w / 2);
          const y1 = f(cy - h / 2);
          // Model order: subject's right eye, left eye, nose, right mouth corner, left mouth corner. The subject's
          // right is image-left for a frontal face, so this already is Landmarks5's image-left-first order.
          const landmarks: number[] = new Array<number>(10);
          const k = idx * 10;
          for (let n = 0; n < 5; n++) {
            landmarks[2 * n] = f(f(kps[k + 2 * n] + c) * s);
            landmarks[2 * n + 1] = f(f(kps[k + 2 * n + 1] + r) * s);
          }
          faces.push({
            score,
            box: [x1, y1, x1 + w, y1 + h],
            landmarks,
            intRect: [trunc(x1), trunc(y1), trunc(w), trunc(h)],
          });
        }
      }
    }
    return faces;
  };
};
