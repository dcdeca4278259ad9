/**
 * The face-detection stage: binds a loaded model to one of the three decoders and runs
 * prepare → model → decode → NMS → filter. Model contracts are checked when the detector is created, so a wrong file
 * fails before any photo is processed.
 */
import { RestoreError, throwIfAborted, type AbortSignalLike } from '../errors';
import type { PixelImage } from '../image';
import { float32Tensor, formatShape, isDynamic, runModel, dimAccepts, type LoadedModel, type TensorInfo } from '../runtime';
import type { DetectedFace } from '../types';
import { checkBoolean, checkChoice, checkInteger, checkNumber, invalidOption, is, rejectUnknownKeys } from '../validate';
import { finalizeFaces } from './filter';
import { nms, type Candidate, type DecoderFactory, type NmsOptions } from './nms';
import { rotateImage, unrotateCandidate } from './rotate';
import { PAD_MULTIPLE, prepareDetectorInput, type InputGeometry, type PixelSpec } from './prepare';
import { createRetinafaceDecoder, RETINAFACE_PIXELS } from './retinaface';
import { createScrfdDecoder, SCRFD_PIXELS } from './scrfd';
import { DETECTOR_KINDS, type DetectOptions, type DetectorKind, type FaceDetector, type ResolvedDetectOptions } from './types';
import { createYunetDecoder, YUNET_PIXELS, YUNET_TOP_K } from './yunet';

export * from './types';

interface DetectorSpec {
  readonly pixels: PixelSpec;
  readonly nms: NmsOptions;
  readonly createDecoder: DecoderFactory;
}

const SPECS: Readonly<Record<DetectorKind, DetectorSpec>> = {
  yunet: { pixels: YUNET_PIXELS, nms: { variant: 'opencvInt', topK: YUNET_TOP_K }, createDecoder: createYunetDecoder },
  retinaface: { pixels: RETINAFACE_PIXELS, nms: { variant: 'torchvision' }, createDecoder: createRetinafaceDecoder },
  scrfd: { pixels: SCRFD_PIXELS, nms: { variant: 'plusOne' }, createDecoder: createScrfdDecoder },
};

/**
 * Per-detector thresholds. RetinaFace: facexlib's helper (score > 0.97, NMS 0.4). SCRFD: insightface (0.5, 0.4).
 * YuNet: opencv_zoo's yunet.py (0.6, NMS 0.3). On the shared photos true faces score ≥ 0.85 and the highest
 * non-face (the back of a head) 0.45; 0.6 sits between them. The zoo demo's 0.9 would lose real faces (a degraded
 * aligned crop scores 0.85); the one listed face it misses is a 90°-rotated face (0.50–0.54, see test/detect.test.ts).
 */
export const DETECTOR_DEFAULTS: Readonly<Record<DetectorKind, { readonly scoreThreshold: number; readonly nmsThreshold: number }>> =
  Object.freeze({
    yunet: Object.freeze({ scoreThreshold: 0.6, nmsThreshold: 0.3 }),
    retinaface: Object.freeze({ scoreThreshold: 0.97, nmsThreshold: 0.4 }),
    scrfd: Object.freeze({ scoreThreshold: 0.5, nmsThreshold: 0.4 }),
  });

/** Defaults shared by every detector. */
export const DETECT_DEFAULTS = Object.freeze({
  detectSize: 640,
  eyeDistanceThreshold: 5,
  onlyCenterFace: false,
  onlyLargest: false,
  maxFaces: 0,
  shouldTryRotations: true,
});

const OPTION_KEYS: readonly (keyof DetectOptions)[] = [
  'scoreThreshold',
  'nmsThreshold',
  'detectSize',
  'eyeDistanceThreshold',
  'onlyCenterFace',
  'onlyLargest',
  'maxFaces',
  'shouldTryRotations',
];

/** Validates detection options synchronously and fills in defaults. Only `undefined` means "use the default". */
export function resolveDetectOptions(kind: DetectorKind, options?: DetectOptions): ResolvedDetectOptions {
  checkChoice('detector', kind, DETECTOR_KINDS);
  if (options === undefined) options = {};
  if (!is.plainObject(options as unknown)) throw invalidOption('detection options', 'an object', options);
  rejectUnknownKeys('detection', options, OPTION_KEYS);
  const pick = <T>(value: unknown, fallback: T, check: (v: unknown) => T): T => (value === undefined ? fallback : check(value));
  const own = DETECTOR_DEFAULTS[kind];
  return {
    scoreThreshold: pick(options.scoreThreshold, own.scoreThreshold, (v) => checkNumber('scoreThreshold', v, 0, 1)),
    nmsThreshold: pick(options.nmsThreshold, own.nmsThreshold, (v) => checkNumber('nmsThreshold', v, 0, 1)),
    detectSize: pick(options.detectSize, DETECT_DEFAULTS.detectSize, (v) => checkInteger('detectSize', v, 32, 8192)),
    eyeDistanceThreshold: pick(options.eyeDistanceThreshold, DETECT_DEFAULTS.eyeDistanceThreshold, (v) =>
      checkNumber('eyeDistanceThreshold', v, 0, Number.MAX_VALUE),
    ),
    onlyCenterFace: pick(options.onlyCenterFace, DETECT_DEFAULTS.onlyCenterFace, (v) => checkBoolean('onlyCenterFace', v)),
    onlyLargest: pick(options.onlyLargest, DETECT_DEFAULTS.onlyLargest, (v) => checkBoolean('onlyLargest', v)),
    maxFaces: pick(options.maxFaces, DETECT_DEFAULTS.maxFaces, (v) => checkInteger('maxFaces', v, 0, Number.MAX_SAFE_INTEGER)),
    shouldTryRotations: pick(options.shouldTryRotations, DETECT_DEFAULTS.shouldTryRotations, (v) => checkBoolean('shouldTryRotations', v)),
  };
}

/** A candidate in detector-input pixels → the same in full-resolution pixels of the view it was found in. */
function scaleCandidate(c: Candidate, sx: number, sy: number): Candidate {
  return {
    score: c.score,
    box: [c.box[0] * sx, c.box[1] * sy, c.box[2] * sx, c.box[3] * sy],
    landmarks: c.landmarks.map((v, i) => v * (i % 2 === 0 ? sx : sy)),
  };
}

function describeInputs(inputs: readonly TensorInfo[]): string {
  return inputs.length === 0 ? 'no inputs' : inputs.map((i) => `${i.name} ${formatShape(i.shape)}`).join(', ');
}

/**
 * One float32 NCHW input, batch 1, 3 channels; fixed spatial sizes must be multiples of 32 so every stride divides
 * them. An empty declared shape (a runtime without metadata) is taken as fully dynamic.
 */
function checkInput(kind: DetectorKind, model: LoadedModel, label: string): { name: string; geometry: InputGeometry } {
  const fail = (): never => {
    throw new RestoreError(
      'MODEL_CONTRACT',
      `${kind} detector model must have one float32 input of shape [1,3,H,W] (H and W dynamic or multiples of ${PAD_MULTIPLE}); ` +
        `this one (${label}) has ${describeInputs(model.inputs)}`,
    );
  };
  if (model.inputs.length !== 1) return fail();
  const input = model.inputs[0];
  const { shape } = input;
  if (input.type !== 'float32' && input.type !== 'unknown') return fail();
  if (shape.length !== 0 && (shape.length !== 4 || !dimAccepts(shape[0], 1) || !dimAccepts(shape[1], 3))) return fail();
  const fixed = (dim: number | string | undefined): number | undefined => (isDynamic(dim) ? undefined : (dim as number));
  const geometry: InputGeometry = { fixedHeight: fixed(shape[2]), fixedWidth: fixed(shape[3]) };
  for (const size of [geometry.fixedHeight, geometry.fixedWidth]) {
    if (size !== undefined && (size < PAD_MULTIPLE || size % PAD_MULTIPLE !== 0)) return fail();
  }
  return { name: input.name, geometry };
}

/**
 * Binds `model` as a detector of `kind`; `pixels` (from the model catalog) overrides the decoder's usual input
 * normalisation. Throws MODEL_CONTRACT naming the expected and the actual inputs/outputs
 * when the file does not fit the role. `label` names the model in messages (usually its file name).
 */
export function createDetector(kind: DetectorKind, model: LoadedModel, label: string, pixels?: PixelSpec): FaceDetector {
  checkChoice('detector', kind, DETECTOR_KINDS);
  const spec = pixels ? { ...SPECS[kind], pixels } : SPECS[kind];
  const { name: inputName, geometry } = checkInput(kind, model, label);
  const decode = spec.createDecoder(model, label);
  return {
    kind,
    async detect(image: PixelImage, options: ResolvedDetectOptions, signal?: AbortSignalLike): Promise<DetectedFace[]> {
      /** Detector-input candidates of one view of the photo, and how its pixels map to that view's full resolution. */
      const look = async (view: PixelImage): Promise<{ kept: Candidate[]; scaleX: number; scaleY: number }> => {
        throwIfAborted(signal);
        const input = prepareDetectorInput(view, options.detectSize, geometry, spec.pixels);
        const dims = [1, 3, input.tensorHeight, input.tensorWidth];
        throwIfAborted(signal);
        const outputs = await runModel(model, label, { [inputName]: float32Tensor(input.data, dims) }, signal);
        const candidates = decode(outputs, input.tensorWidth, input.tensorHeight, options.scoreThreshold);
        return { kept: nms(candidates, options.nmsThreshold, spec.nms), scaleX: input.scaleX, scaleY: input.scaleY };
      };
      const full = { imageWidth: image.width, imageHeight: image.height };
      const upright = await look(image);
      const faces = finalizeFaces(upright.kept, { scaleX: upright.scaleX, scaleY: upright.scaleY, ...full }, options);
      if (faces.length > 0 || !options.shouldTryRotations) return faces;
      // Nothing upright: a sideways or upside-down scan? Look at the photo turned each way and keep the turn whose best
      // face scores highest (detectors also fire, less surely, on faces upside down, so the first hit is not enough).
      let best: DetectedFace[] = [];
      for (const turns of [1, 2, 3] as const) {
        const turned = await look(rotateImage(image, turns));
        const back = turned.kept.map((c) => unrotateCandidate(scaleCandidate(c, turned.scaleX, turned.scaleY), turns, image.width, image.height));
        const found = finalizeFaces(back, { scaleX: 1, scaleY: 1, ...full }, options);
        if (found.length > 0 && (best.length === 0 || found[0].score > best[0].score)) best = found;
      }
      return best;
    },
  };
}
