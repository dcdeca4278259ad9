import type { LoadedModel, Tensor } from '../runtime';
import { createScrfdDecoder } from './scrfd';

function fakeModel(outputNames: readonly string[]): LoadedModel {
  return {
    inputs: [{ name: 'input.1', type: 'float32', shape: ['n', 3, 'h', 'w'] }],
    outputs: outputNames.map((name) => ({ name, type: 'float32', shape: [] })),
    run: () => Promise.reject(new Error('not used')),
    release: () => Promise.resolve(),
  };
}

const NAMED = ['score_8', 'score_16', 'score_32', 'bbox_8', 'bbox_16', 'bbox_32', 'kps_8', 'kps_16', 'kps_32'];

/** Zeroed outputs for a 32×32 input, 2 anchors per cell, under the given 9 names (scores, boxes, kps). */
function outputs(names: readonly string[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  [8, 16, 32].forEach((s, level) => {
    const rows = (32 / s) * (32 / s) * 2;
    out[names[level]] = { type: 'float32', data: new Float32Array(rows), dims: [1, rows, 1] };
    out[names[3 + level]] = { type: 'float32', data: new Float32Array(rows * 4), dims: [1, rows, 4] };
    out[names[6 + level]] = { type: 'float32', data: new Float32Array(rows * 10), dims: [1, rows, 10] };
  });
  return out;
}

/** Stride 16, row 1, column 0, second anchor → row (1·2 + 0)·2 + 1 = 5, anchor centre (0, 16). */
function plant(out: Record<string, Tensor>, names: readonly string[], score: number): void {
  out[names[1]].data[5] = score;
  out[names[4]].data.set([1, 1, 2, 0.5], 5 * 4);
  out[names[7]].data.set([1, 0.5, 2, 0.5, 1.5, 1, 1, 1.5, 2, 1.5], 5 * 10);
}

const EXPECTED_BOX = [-16, 0, 32, 24];
const EXPECTED_LANDMARKS = [16, 24, 32, 24, 24, 32, 16, 40, 32, 40];

describe('SCRFD decoder', () => {
  it('decodes distances × stride from anchor centres (no +0.5, anchors repeated per cell)', () => {
    const out = outputs(NAMED);
    plant(out, NAMED, 0.8);
    const faces = createScrfdDecoder(fakeModel(NAMED), 's.onnx')(out, 32, 32, 0.5);
    expect(faces).toHaveLength(1);
    expect(faces[0].score).toBeCloseTo(0.8, 6);
    expect(faces[0].box).toEqual(EXPECTED_BOX);
    expect(faces[0].landmarks).toEqual(EXPECTED_LANDMARKS);
  });

  it('keeps scores >= the threshold (insightface)', () => {
    const out = outputs(NAMED);
    plant(out, NAMED, 0.5);
    expect(createScrfdDecoder(fakeModel(NAMED), 's.onnx')(out, 32, 32, 0.5)).toHaveLength(1);
    expect(createScrfdDecoder(fakeModel(NAMED), 's.onnx')(out, 32, 32, 0.51)).toHaveLength(0);
  });

  it('reads unnamed exports by session order, as insightface does', () => {
    const names = ['448', '471', '494', '451', '474', '497', '454', '477', '500'];
    const out = outputs(names);
    plant(out, names, 0.9);
    const faces = createScrfdDecoder(fakeModel(names), 's.onnx')(out, 32, 32, 0.5);
    expect(faces.map((f) => f.box)).toEqual([EXPECTED_BOX]);
  });

  it('reads named outputs by name even when the session lists them in another order', () => {
    const shuffled = [...NAMED].reverse();
    const out = outputs(NAMED);
    plant(out, NAMED, 0.9);
    expect(createScrfdDecoder(fakeModel(shuffled), 's.onnx')(out, 32, 32, 0.5)).toHaveLength(1);
  });

  it('refuses models without keypoints or with an unknown layout', () => {
    const noKps = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(() => createScrfdDecoder(fakeModel(noKps), 'scrfd_nokps.onnx')).toThrow(
      expect.objectContaining({ code: 'MODEL_CONTRACT', message: expect.stringContaining('without keypoints') }),
    );
    expect(() => createScrfdDecoder(fakeModel(['loc', 'conf', 'iou']), 'retina.onnx')).toThrow(
      expect.objectContaining({ code: 'MODEL_CONTRACT', message: expect.stringContaining('this one (retina.onnx) has 3 outputs: loc, conf, iou') }),
    );
  });

  it('refuses a score output that does not fit the grid', () => {
    const out = outputs(NAMED);
    out.score_8 = { type: 'float32', data: new Float32Array(7), dims: [1, 7, 1] };
    expect(() => createScrfdDecoder(fakeModel(NAMED), 's.onnx')(out, 32, 32, 0.5)).toThrow(expect.objectContaining({ code: 'MODEL_CONTRACT' }));
  });
});
