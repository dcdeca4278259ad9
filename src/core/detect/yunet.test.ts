import type { LoadedModel, Tensor } from '../runtime';
import { createYunetDecoder, YUNET_OUTPUTS } from './yunet';

function fakeModel(outputNames: readonly string[]): LoadedModel {
  return {
    inputs: [{ name: 'input', type: 'float32', shape: [1, 3, 'h', 'w'] }],
    outputs: outputNames.map((name) => ({ name, type: 'float32', shape: [] })),
    run: () => Promise.reject(new Error('not used')),
    release: () => Promise.resolve(),
  };
}

/** Zeroed YuNet outputs for a W×H input, with a hook to set cells. */
function outputs(width: number, height: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const s of [8, 16, 32]) {
    const cells = (width / s) * (height / s);
    for (const [head, k] of [['cls', 1], ['obj', 1], ['bbox', 4], ['kps', 10]] as const) {
      out[`${head}_${s}`] = { type: 'float32', data: new Float32Array(cells * k), dims: [1, cells, k] };
    }
  }
  return out;
}

function setCell(out: Record<string, Tensor>, stride: number, idx: number, cls: number, obj: number, bbox: number[], kps: number[]): void {
  out[`cls_${stride}`].data[idx] = cls;
  out[`obj_${stride}`].data[idx] = obj;
  out[`bbox_${stride}`].data.set(bbox, idx * 4);
  out[`kps_${stride}`].data.set(kps, idx * 10);
}

describe('YuNet decoder', () => {
  it('lists the 12 outputs it reads', () => {
    expect(YUNET_OUTPUTS).toEqual(['cls_8', 'cls_16', 'cls_32', 'obj_8', 'obj_16', 'obj_32', 'bbox_8', 'bbox_16', 'bbox_32', 'kps_8', 'kps_16', 'kps_32']);
  });

  it('decodes centre offsets, exp sizes and landmark offsets per cell (row-major, no +0.5)', () => {
    const out = outputs(64, 32);
    // Stride 16 has 4 columns × 2 rows; cell r=1, c=2 → index 6.
    setCell(out, 16, 6, 0.81, 1, [0.5, 0.25, Math.log(2), 0], [0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1]);
    const decode = createYunetDecoder(fakeModel(YUNET_OUTPUTS), 'y.onnx');
    const faces = decode(out, 64, 32, 0.5);
    expect(faces).toHaveLength(1);
    const [f] = faces;
    expect(f.score).toBeCloseTo(0.9, 6);
    // cx = (2 + 0.5)·16 = 40, cy = (1 + 0.25)·16 = 20, w = 32, h = 16.
    f.box.forEach((v, i) => expect(v).toBeCloseTo([24, 12, 56, 28][i], 4));
    expect(f.intRect).toEqual([24, 12, 32, 16]);
    const expected = [32, 16, 48, 16, 40, 24, 32, 32, 48, 32];
    f.landmarks.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
  });

  it('scores sqrt(clamp(cls)·clamp(obj)) and keeps only scores above the threshold', () => {
    const out = outputs(32, 32);
    setCell(out, 8, 0, 2, 0.25, [0, 0, 0, 0], new Array(10).fill(0)); // clamp(2) = 1 → √0.25 = 0.5
    setCell(out, 8, 1, 1.5, -0.2, [0, 0, 0, 0], new Array(10).fill(0)); // clamp(−0.2) = 0 → 0
    const decode = createYunetDecoder(fakeModel(YUNET_OUTPUTS), 'y.onnx');
    expect(decode(out, 32, 32, 0.5)).toHaveLength(0);
    const faces = decode(out, 32, 32, 0.49);
    expect(faces.map((f) => f.score)).toEqual([0.5]);
    // Cell (0,0) of stride 8 with zero offsets: centre (0,0), size 8×8.
    expect(faces[0].box).toEqual([-4, -4, 4, 4]);
    expect(faces[0].intRect).toEqual([-4, -4, 8, 8]);
  });

  it('refuses a model without the YuNet outputs, naming both sides', () => {
    expect(() => createYunetDecoder(fakeModel(['loc', 'conf', 'iou']), 'retina.onnx')).toThrow(
      expect.objectContaining({
        code: 'MODEL_CONTRACT',
        message: `yunet detector model must have outputs ${YUNET_OUTPUTS.join(', ')}; this one (retina.onnx) has loc, conf, iou`,
      }),
    );
  });

  it('reports an output of the wrong length as a contract error', () => {
    const out = outputs(32, 32);
    out.kps_32 = { type: 'float32', data: new Float32Array(3), dims: [1, 3] };
    const decode = createYunetDecoder(fakeModel(YUNET_OUTPUTS), 'y.onnx');
    expect(() => decode(out, 32, 32, 0.5)).toThrow(expect.objectContaining({ code: 'MODEL_CONTRACT' }));
  });
});
