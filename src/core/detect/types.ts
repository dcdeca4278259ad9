/** The face-detection stage's public contract. */
import type { AbortSignalLike } from '../errors';
import type { PixelImage } from '../image';
import type { DetectedFace } from '../types';

export type DetectorKind = 'yunet' | 'retinaface' | 'scrfd';
export const DETECTOR_KINDS: readonly DetectorKind[] = ['yunet', 'retinaface', 'scrfd'];

export interface DetectOptions {
  /** Minimum face score in 0..1. Default: the detector's own (see DETECTOR_DEFAULTS). */
  readonly scoreThreshold?: number;
  /** IoU above which the lower-scoring of two boxes is suppressed. Default: the detector's own. */
  readonly nmsThreshold?: number;
  /**
   * Longest side, in pixels, of the image the detector sees. Larger photos are downscaled (area filter) and
   * results mapped back to full resolution; smaller ones are used as they are. Default 640.
   */
  readonly detectSize?: number;
  /** Faces whose eye distance (landmarks 0–1, in image pixels) is below this are dropped. Default 5 (GFPGAN). */
  readonly eyeDistanceThreshold?: number;
  /** Keep only the face whose box centre is nearest the image centre. Default false. */
  readonly onlyCenterFace?: boolean;
  /** Keep only the largest face (box area clamped to the image); wins over onlyCenterFace. Default false. */
  readonly onlyLargest?: boolean;
  /** Keep at most this many faces, highest scores first; 0 = no limit. Default 0. */
  readonly maxFaces?: number;
  /**
   * When no face is found upright, look again at the photo turned 90°, 270° and 180° (sideways scans). Default true.
   */
  readonly shouldTryRotations?: boolean;
}

export interface ResolvedDetectOptions {
  readonly scoreThreshold: number;
  readonly nmsThreshold: number;
  readonly detectSize: number;
  readonly eyeDistanceThreshold: number;
  readonly onlyCenterFace: boolean;
  readonly onlyLargest: boolean;
  readonly maxFaces: number;
  readonly shouldTryRotations: boolean;
}

/** A detector bound to a loaded model. `image` is the photo at full resolution in any engine pixel format (gray/RGB, ± alpha). */
export interface FaceDetector {
  readonly kind: DetectorKind;
  detect(image: PixelImage, options: ResolvedDetectOptions, signal?: AbortSignalLike): Promise<DetectedFace[]>;
}
