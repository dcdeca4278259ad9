import { RestoreError } from './errors';
import type { FloatImage } from './image';
import { GFPGAN } from './models';
import { checkRestoreContract, cropToTensor, tensorToFace } from './restore';
import type { LoadedModel, TensorInfo } from './runtime';

const model = (inputs: TensorInfo[], outputs: TensorInfo[]): LoadedModel => ({
  inputs, outputs, run: async () => ({}), release: async () => undefined,
});
const t = (name: string, shape: (number | string)[], type = 'float32'): TensorInfo => ({ name, type, shape });

describe('GFPGAN pre/post-processing', () => {
  it('maps 0..255 RGB to [−1, 1] planes (x/255 − 0.5)/0.5', () => {
    const crop: FloatImage = { width: 512, height: 512, channels: 3, data: new Float32Array(512 * 512 * 3) };
    crop.data.set([0, 127.5, 255]);
    const x = cropToTensor(crop, GFPGAN);
    const plane = 512 * 512;
    expect(x[0]).toBeCloseTo(-1, 6);
    expect(x[plane]).toBeCloseTo(0, 6);
    expect(x[2 * plane]).toBeCloseTo(1, 6);
  });

  it('clamps to [−1, 1], rescales to 0..255 and rounds for 8-bit', () => {
    const plane = 512 * 512;
    const out = new Float32Array(3 * plane);
    out[0] = -3; out[plane] = 0.001; out[2 * plane] = 7;
    const face = tensorToFace(out, 512, GFPGAN, true);
    expect(Array.from(face.data.subarray(0, 3))).toEqual([0, 128, 255]);
    const precise = tensorToFace(out, 512, GFPGAN, false);
    expect(precise.data[1]).toBeCloseTo((0.001 + 1) / 2 * 255, 4);
  });
});

describe('checkRestoreContract', () => {
  it('accepts GFPGAN\'s [1,3,512,512] contract and a dynamic one', () => {
    expect(checkRestoreContract(model([t('input', [1, 3, 512, 512])], [t('output', [1, 3, 512, 512])]), 'g.onnx', GFPGAN))
      .toEqual({ imageInput: 'input', output: 'output' });
    expect(checkRestoreContract(model([t('x', ['b', 3, 'h', 'w'])], [t('y', ['b', 3, 'h', 'w'])]), 'g.onnx', GFPGAN).imageInput).toBe('x');
  });

  it('names what was expected and what the model takes', () => {
    const small = model([t('input', [1, 3, 256, 256])], [t('output', [1, 3, 256, 256])]);
    expect(() => checkRestoreContract(small, 'small.onnx', GFPGAN)).toThrow(
      new RestoreError('MODEL_CONTRACT', 'restore model must take input [1,3,512,512]; this one (small.onnx) takes [1,3,256,256]'),
    );
    const detector = model([t('input', [1, 3, 640, 640])], [t('cls_8', [1, 6400, 1])]);
    expect(() => checkRestoreContract(detector, 'yunet.onnx', GFPGAN)).toThrow('this one (yunet.onnx) takes [1,3,640,640]');
    const wrongOut = model([t('input', [1, 3, 512, 512])], [t('out', [1, 1000])]);
    expect(() => checkRestoreContract(wrongOut, 'cls.onnx', GFPGAN)).toThrow('restore model must return [1,3,512,512]; this one (cls.onnx) returns [1,1000]');
  });

  it('feeds a CodeFormer-style weight input when the model has one', () => {
    const codeformer = model([t('input', [1, 3, 512, 512]), t('weight', [1], 'double')], [t('output', [1, 3, 512, 512])]);
    expect(checkRestoreContract(codeformer, 'codeformer.onnx', GFPGAN).weightInput).toEqual({ name: 'weight', type: 'float64', dims: [1] });
  });
});
