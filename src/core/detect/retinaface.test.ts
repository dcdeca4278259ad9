import type { LoadedModel, Tensor } from '../runtime';
import { createRetinafaceDecoder, retinafacePriors } from './retinaface';

function fakeModel(outputNames: readonly string[]): LoadedModel {
  return {
    inputs: [{ name: 'input', type: 'float32', shape: ['n', 3, 'h', 'w'] }],
    outputs: outputNames.map((name) => ({ name, type: 'float32', shape: [] })),
    run: () => Promise.reject(new Error('not used')),
    release: () => Promise.resolve(),
  };
}

function tensor(n: number, k: number): Tensor {
  return { type: 'float32', data: new Float32Array(n * k), dims: [1, n, k] };
}

describe('retinafacePriors', () => {
  it('has 16,800 priors for 640×640 (2 per cell on strides 8/16/32)', () => {
    expect(retinafacePriors(640, 640).length / 4).toBe(16800);
  });

  it('uses ceil(size/step) feature maps for sizes that are not multiples of 32', () => {
    // 100×60: (8·13 + 4·7 + 2·4)·2 = 280.
    expect(retinafacePriors(100, 60).length / 4).toBe(2 * (13 * 8 + 7 * 4 + 4 * 2));
  });

  it('orders priors by level, row, column, size; centres at +0.5 step, normalised', () => {
    const p = retinafacePriors(32, 32);
    expect(Array.from(p.subarray(0, 8))).toEqual([0.125, 0.125, 0.5, 0.5, 0.125, 0.125, 1, 1]);
    // Level 0 has 4×4 cells; the third prior is row 0, column 1.
    expect(Array.from(p.subarray(8, 12))).toEqual([0.375, 0.125, 0.5, 0.5]);
    // Level 1 starts at prior 32: stride 16, sizes 64 and 128.
    expect(Array.from(p.subarray(32 * 4, 32 * 4 + 4))).toEqual([0.25, 0.25, 2, 2]);
  });
});

describe('RetinaFace decoder', () => {
  const names = ['loc', 'conf', 'iou'];

  function outputs(n: number): Record<string, Tensor> {
    const conf = tensor(n, 2);
    for (let i = 0; i < n; i++) conf.data[i * 2] = 1;
    return { loc: tensor(n, 4), conf, iou: tensor(n, 10) };
  }

  it('decodes boxes and landmarks with the 0.1/0.2 variances, in input pixels', () => {
    const out = outputs(42); // 32×32 input: 32 + 8 + 2 priors
    // Prior 36 = level 1, row 1, column 0, size 64: centre (0.25, 0.75), size (2, 2).
    const i = 36;
    out.conf.data.set([0.01, 0.99], i * 2);
    out.loc.data.set([0.5, -0.5, Math.log(0.5) / 0.2, 0], i * 4);
    out.iou.data.set([1, 0, 0, 1, -1, -1, 0, 0, 0.5, 0.5], i * 10);
    const faces = createRetinafaceDecoder(fakeModel(names), 'r.onnx')(out, 32, 32, 0.97);
    expect(faces).toHaveLength(1);
    const [f] = faces;
    expect(f.score).toBeCloseTo(0.99, 6);
    // centre (0.35, 0.65), size (1, 2) → ×32.
    f.box.forEach((v, k) => expect(v).toBeCloseTo([-4.8, -11.2, 27.2, 52.8][k], 4));
    const lm = [14.4, 24, 8, 30.4, 1.6, 17.6, 8, 24, 11.2, 27.2];
    f.landmarks.forEach((v, k) => expect(v).toBeCloseTo(lm[k], 4));
  });

  it('keeps scores strictly above the threshold', () => {
    const out = outputs(42);
    out.conf.data.set([0.25, 0.75], 0);
    const decode = createRetinafaceDecoder(fakeModel(names), 'r.onnx');
    expect(decode(out, 32, 32, 0.75)).toHaveLength(0);
    expect(decode(out, 32, 32, 0.74)).toHaveLength(1);
  });

  it('also accepts facexlib’s "landms" name for the landmark output', () => {
    const out = outputs(42);
    out.landms = out.iou;
    delete out.iou;
    expect(() => createRetinafaceDecoder(fakeModel(['loc', 'conf', 'landms']), 'r.onnx')(out, 32, 32, 0.5)).not.toThrow();
  });

  it('refuses a model without loc/conf/landmarks outputs', () => {
    expect(() => createRetinafaceDecoder(fakeModel(['cls_8', 'obj_8']), 'yunet.onnx')).toThrow(
      expect.objectContaining({
        code: 'MODEL_CONTRACT',
        message: 'retinaface detector model must have outputs loc, conf, iou; this one (yunet.onnx) has cls_8, obj_8',
      }),
    );
  });

  it('checks output lengths against the prior count for the input size', () => {
    expect(() => createRetinafaceDecoder(fakeModel(names), 'r.onnx')(outputs(40), 32, 32, 0.5)).toThrow(
      expect.objectContaining({ code: 'MODEL_CONTRACT' }),
    );
  });
});
