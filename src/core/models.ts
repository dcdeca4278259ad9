/**
 * Model descriptors: the facts the pipeline needs about a model family, kept as data rather than scattered
 * literals. (The model catalog will supply these; today the GFPGAN family is the only restorer.)
 */
import type { DetectorKind } from './detect/types';
import type { Landmarks5 } from './types';

export interface RestoreModelDescriptor {
  /** Family id, for messages. */
  readonly family: string;
  /** Side of the square aligned crop the model takes and returns. */
  readonly faceSize: number;
  /** The 5-point template in crop pixels the landmarks are aligned to. */
  readonly template: Landmarks5;
  /** Crop fill outside the photo, RGB on the 0..255 scale. */
  readonly borderColor: readonly [number, number, number];
  /** Input normalisation: x/255 → (x − mean)/std per channel (RGB). */
  readonly mean: number;
  readonly std: number;
  /** Output range before clamping, mapped back to 0..255. */
  readonly outputRange: readonly [number, number];
}

/**
 * GFPGAN v1.2/1.3/1.4 (and CodeFormer): facexlib's FFHQ-512 template (mean RetinaFace landmarks over FFHQ,
 * face_restoration_helper.py), border colour BGR (135,133,132) = RGB (132,133,135), RGB in [−1, 1].
 */
const GFPGAN_DESCRIPTOR: RestoreModelDescriptor = {
  family: 'GFPGAN',
  faceSize: 512,
  template: [
    [192.98138, 239.94708],
    [318.90277, 240.1936],
    [256.63416, 314.01935],
    [201.26117, 371.41043],
    [313.08905, 371.15118],
  ],
  borderColor: [132, 133, 135],
  mean: 0.5,
  std: 0.5,
  outputRange: [-1, 1],
};
export const GFPGAN: RestoreModelDescriptor = Object.freeze(GFPGAN_DESCRIPTOR);

/**
 * Where each detector's file may sit inside a models folder: our own layout (`detection/…`) first, then the
 * names its publishers use, so a downloaded file works without renaming. Shared by every host's model lookup.
 */
export const DETECTOR_FILE_NAMES: Readonly<Record<DetectorKind, readonly string[]>> = Object.freeze({
  yunet: ['detection/yunet-2023mar-640.onnx', 'face_detection_yunet_2023mar.onnx', 'yunet-2023mar-640.onnx', 'detection/yunet-2023mar-dynamic.onnx'],
  retinaface: ['detection/retinaface-mobilenet0.25.onnx', 'retinaface-mobilenet0.25.onnx', 'retinaface_mobilenet0.25.onnx'],
  scrfd: ['detection/scrfd-500m-kps-dynamic.onnx', 'scrfd-500m-kps-dynamic.onnx', 'det_500m.onnx', 'det_10g.onnx'],
});
