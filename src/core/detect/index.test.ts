import type { PixelImage } from '../image';
import type { LoadedModel, Tensor, TensorInfo } from '../runtime';
import { createDetector, DETECT_DEFAULTS, DETECTOR_DEFAULTS, DETECTOR_KINDS, resolveDetectOptions, type DetectOptions, type DetectorKind } from './index';
import { YUNET_OUTPUTS } from './yunet';

type Run = (feeds: Readonly<Record<string, Tensor>>) => Promise<Record<string, Tensor>>;

function fakeModel(inputs: TensorInfo[], outputNames: readonly string[], run: Run = () => Promise.reject(new Error('not used'))): LoadedModel {
  return { inputs, outputs: outputNames.map((name) => ({ name, type: 'float32', shape: [] })), run, release: () => Promise.resolve() };
}

const YUNET_INPUT: TensorInfo = { name: 'input', type: 'float32', shape: [1, 3, 64, 64] };

describe('resolveDetectOptions', () => {
  it('fills each detector’s defaults', () => {
    for (const kind of DETECTOR_KINDS) {
      expect(resolveDetectOptions(kind)).toEqual({ ...DETECTOR_DEFAULTS[kind], ...DETECT_DEFAULTS });
    }
    expect(DETECTOR_DEFAULTS.retinaface).toEqual({ scoreThreshold: 0.97, nmsThreshold: 0.4 });
    expect(DETECTOR_DEFAULTS.scrfd).toEqual({ scoreThreshold: 0.5, nmsThreshold: 0.4 });
    expect(DETECTOR_DEFAULTS.yunet.nmsThreshold).toBe(0.3);
    expect(DETECT_DEFAULTS).toEqual({ detectSize: 640, eyeDistanceThreshold: 5, onlyCenterFace: false, onlyLargest: false, maxFaces: 0, shouldTryRotations: true });
    expect(Object.isFrozen(DETECTOR_DEFAULTS) && Object.isFrozen(DETECTOR_DEFAULTS.yunet) && Object.isFrozen(DETECT_DEFAULTS)).toBe(true);
  });

  it('keeps explicit values, including the range ends', () => {
    const options: DetectOptions = {
      scoreThreshold: 0,
      nmsThreshold: 1,
      detectSize: 32,
      eyeDistanceThreshold: 0,
      onlyCenterFace: true,
      onlyLargest: true,
      maxFaces: 3,
      shouldTryRotations: false,
    };
    expect(resolveDetectOptions('scrfd', options)).toEqual(options);
    expect(resolveDetectOptions('yunet', { detectSize: 8192 }).detectSize).toBe(8192);
  });

  const bad: Array<[string, unknown, string]> = [
    ['scoreThreshold', 1.5, 'Expected a number between 0 and 1 for scoreThreshold but received 1.5 of type number'],
    ['scoreThreshold', '0.5', 'Expected a number between 0 and 1 for scoreThreshold but received "0.5" of type string'],
    ['nmsThreshold', -0.1, 'Expected a number between 0 and 1 for nmsThreshold but received -0.1 of type number'],
    ['nmsThreshold', NaN, 'Expected a number between 0 and 1 for nmsThreshold but received NaN of type number'],
    ['detectSize', 31, 'Expected an integer between 32 and 8192 for detectSize but received 31 of type number'],
    ['detectSize', 640.5, 'Expected an integer between 32 and 8192 for detectSize but received 640.5 of type number'],
    ['detectSize', 8193, 'Expected an integer between 32 and 8192 for detectSize but received 8193 of type number'],
    ['eyeDistanceThreshold', -1, `Expected a number between 0 and ${Number.MAX_VALUE} for eyeDistanceThreshold but received -1 of type number`],
    ['onlyCenterFace', 1, 'Expected a boolean for onlyCenterFace but received 1 of type number'],
    ['onlyLargest', 'yes', 'Expected a boolean for onlyLargest but received "yes" of type string'],
    ['maxFaces', -1, `Expected an integer between 0 and ${Number.MAX_SAFE_INTEGER} for maxFaces but received -1 of type number`],
    ['maxFaces', 1.5, `Expected an integer between 0 and ${Number.MAX_SAFE_INTEGER} for maxFaces but received 1.5 of type number`],
    ['shouldTryRotations', 'no', 'Expected a boolean for shouldTryRotations but received "no" of type string'],
    ['maxFaces', null, `Expected an integer between 0 and ${Number.MAX_SAFE_INTEGER} for maxFaces but received null of type null`],
  ];
  it.each(bad)('rejects %s = %p', (key, value, message) => {
    expect(() => resolveDetectOptions('yunet', { [key]: value } as DetectOptions)).toThrow(
      expect.objectContaining({ name: 'RestoreError', code: 'INVALID_OPTION', message }),
    );
  });

  it('rejects unknown keys, non-object options and unknown detectors', () => {
    expect(() => resolveDetectOptions('yunet', { threshold: 0.5 } as DetectOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('Unknown option "threshold" for detection') }),
    );
    expect(() => resolveDetectOptions('yunet', 0.5 as unknown as DetectOptions)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => resolveDetectOptions('mtcnn' as DetectorKind)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: 'Expected one of yunet, retinaface, scrfd for detector but received "mtcnn" of type string' }),
    );
  });
});

describe('createDetector contract checks', () => {
  const contract = (message: string | RegExp) => expect.objectContaining({ code: 'MODEL_CONTRACT', message: expect.stringMatching(message) });

  it('accepts the declared shapes of the real files', () => {
    expect(() => createDetector('yunet', fakeModel([YUNET_INPUT], YUNET_OUTPUTS), 'y.onnx')).not.toThrow();
    const dyn: TensorInfo = { name: 'input', type: 'float32', shape: ['batch', 3, 'height', 'width'] };
    expect(() => createDetector('retinaface', fakeModel([dyn], ['loc', 'conf', 'iou']), 'r.onnx')).not.toThrow();
    // A runtime without metadata reports an empty shape and type "unknown": taken as dynamic.
    const bare: TensorInfo = { name: 'input.1', type: 'unknown', shape: [] };
    expect(() => createDetector('scrfd', fakeModel([bare], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']), 's.onnx')).not.toThrow();
  });

  it('names the expected outputs and the ones the model has', () => {
    expect(() => createDetector('yunet', fakeModel([YUNET_INPUT], ['loc', 'conf', 'iou']), 'retinaface.onnx')).toThrow(
      contract(/^yunet detector model must have outputs cls_8, cls_16, .*; this one \(retinaface\.onnx\) has loc, conf, iou$/),
    );
  });

  const badInputs: Array<[string, TensorInfo[]]> = [
    ['two inputs', [YUNET_INPUT, { ...YUNET_INPUT, name: 'extra' }]],
    ['rank 3', [{ name: 'input', type: 'float32', shape: [3, 64, 64] }]],
    ['1 channel', [{ name: 'input', type: 'float32', shape: [1, 1, 64, 64] }]],
    ['batch 2', [{ name: 'input', type: 'float32', shape: [2, 3, 64, 64] }]],
    ['fixed size not a multiple of 32', [{ name: 'input', type: 'float32', shape: [1, 3, 600, 600] }]],
    ['float16', [{ name: 'input', type: 'float16', shape: [1, 3, 64, 64] }]],
  ];
  it.each(badInputs)('refuses an input with %s', (_what, inputs) => {
    expect(() => createDetector('yunet', fakeModel(inputs, YUNET_OUTPUTS), 'odd.onnx')).toThrow(
      contract(/^yunet detector model must have one float32 input of shape \[1,3,H,W\].*this one \(odd\.onnx\) has /),
    );
  });

  it('names the input shapes it found', () => {
    expect(() => createDetector('scrfd', fakeModel([{ name: 'x', type: 'float32', shape: [1, 1, 'h', 'w'] }], []), 'gray.onnx')).toThrow(
      contract(/this one \(gray\.onnx\) has x \[1,1,\?,\?\]$/),
    );
  });
});

describe('detect', () => {
  /** YuNet-shaped outputs for a 64×64 input with one face at stride-16 cell (r=1, c=1). */
  function yunetOutputs(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const s of [8, 16, 32]) {
      const cells = (64 / s) ** 2;
      for (const [head, k] of [['cls', 1], ['obj', 1], ['bbox', 4], ['kps', 10]] as const) {
        out[`${head}_${s}`] = { type: 'float32', data: new Float32Array(cells * k), dims: [1, cells, k] };
      }
    }
    const idx = 1 * 4 + 1;
    out.cls_16.data[idx] = 1;
    out.obj_16.data[idx] = 1;
    out.bbox_16.data.set([0.5, 0.5, Math.log(2), Math.log(2)], idx * 4);
    out.kps_16.data.set([-0.25, -0.25, 1.25, -0.25, 0.5, 0.5, -0.25, 1, 1.25, 1], idx * 10);
    return out;
  }

  const image: PixelImage = { width: 128, height: 96, channels: 3, data: new Uint8Array(128 * 96 * 3).fill(128), maxValue: 255 };

  it('runs prepare → model → decode → NMS → filter and maps results to full resolution', async () => {
    const feeds: Array<Readonly<Record<string, Tensor>>> = [];
    const model = fakeModel([YUNET_INPUT], YUNET_OUTPUTS, (f) => {
      feeds.push(f);
      return Promise.resolve(yunetOutputs());
    });
    const detector = createDetector('yunet', model, 'y.onnx');
    expect(detector.kind).toBe('yunet');
    const faces = await detector.detect(image, resolveDetectOptions('yunet'));
    expect(Object.keys(feeds[0])).toEqual(['input']);
    expect(feeds[0].input.dims).toEqual([1, 3, 64, 64]);
    // 128×96 is shrunk ×0.5 to fit 64×64; the face (centre 24,24, size 32) maps back ×2.
    expect(faces).toHaveLength(1);
    expect(faces[0].index).toBe(0);
    expect(faces[0].score).toBeCloseTo(1, 6);
    faces[0].box.forEach((v, i) => expect(v).toBeCloseTo([16, 16, 80, 80][i], 4));
    expect(faces[0].landmarks[0][0]).toBeCloseTo(24, 4);
    expect(faces[0].landmarks[1][0]).toBeCloseTo(72, 4);
  });

  it('checks the signal before running the model', async () => {
    const run = jest.fn<ReturnType<Run>, Parameters<Run>>(() => Promise.resolve(yunetOutputs()));
    const detector = createDetector('yunet', fakeModel([YUNET_INPUT], YUNET_OUTPUTS, run), 'y.onnx');
    await expect(detector.detect(image, resolveDetectOptions('yunet'), { aborted: true })).rejects.toMatchObject({
      name: 'AbortError',
      code: 'ABORTED',
    });
    expect(run).not.toHaveBeenCalled();
  });

  it('turns runtime failures into INFERENCE_FAILED naming the model', async () => {
    const detector = createDetector('yunet', fakeModel([YUNET_INPUT], YUNET_OUTPUTS, () => Promise.reject(new Error('boom'))), 'y.onnx');
    await expect(detector.detect(image, resolveDetectOptions('yunet'))).rejects.toMatchObject({
      code: 'INFERENCE_FAILED',
      message: 'Running y.onnx failed: boom',
    });
  });
});
