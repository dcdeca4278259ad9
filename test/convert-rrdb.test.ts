/**
 * RRDBNet converted from its PyTorch checkpoint (../shared/models/pth/rrdb-x2-b2: Real-ESRGAN x2plus's layout with
 * 2 blocks, random weights, params_ema) reproduces the PyTorch reference on onnxruntime-node and -web (≤ 1e-4 of the
 * peak). x2plus feeds conv_first through pixel_unshuffle, whose channel order is not SpaceToDepth's: a wrong order
 * would fail the comparison by orders of magnitude.
 */
import { readCheckpoint, type CheckpointTensor } from '../src/core/convert/checkpoint';
import { roundToHalf } from '../src/core/convert/half';
import { convertStateDict, detectArchitecture } from '../src/core/convert/index';
import { buildRrdb, rrdbShape } from '../src/core/convert/rrdb';
import { RestoreError } from '../src/core/errors';
import { fixture, fixtureBytes, floats, nodeRelativeError, readGraph, relativeError, runNode, webRelativeError } from './helpers/convert-fixtures';

const f = fixture('rrdb-x2-b2');
const tensors = readCheckpoint(fixtureBytes(f.pth)).tensors;
const model = buildRrdb(tensors);

it('reads the architecture from the tensors', () => {
  expect(detectArchitecture(tensors)).toBe('RRDBNet');
  expect(rrdbShape(tensors)).toEqual({ numFeat: f.num_feat, numGrowCh: f.num_grow_ch, numBlock: f.num_block, scale: f.scale });
});

it('reproduces the PyTorch output on onnxruntime-node', async () => {
  expect(await nodeRelativeError(model, f)).toBeLessThanOrEqual(1e-4);
});

it('reproduces the PyTorch output on onnxruntime-web', () => {
  expect(webRelativeError(model, f)).toBeLessThanOrEqual(1e-4);
});

/** The top-left h×w of a planar [3,H,W] image, optionally reflect-padded (bottom and right) to ph×pw. */
function crop(data: Float32Array, width: number, height: number, w: number, h: number, pw = w, ph = h): Float32Array {
  const out = new Float32Array(3 * pw * ph);
  const reflect = (i: number, n: number): number => (i < n ? i : 2 * (n - 1) - i);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) out[(c * ph + y) * pw + x] = data[(c * height + reflect(y, h)) * width + reflect(x, w)];
    }
  }
  return out;
}

it('takes odd sizes the way RealESRGANer does: reflect-pad to even at the bottom and right, crop the output', async () => {
  const [, , height, width] = f.input_shape;
  const input = floats(f.input);
  const odd = await runNode(model, crop(input, width, height, 47, 45), [1, 3, 45, 47]);
  expect(odd.dims).toEqual([1, 3, 90, 94]);
  const even = await runNode(model, crop(input, width, height, 47, 45, 48, 46), [1, 3, 46, 48]);
  const expected = crop(even.outputs[0], 96, 92, 94, 90);
  expect(relativeError(odd.outputs[0], expected)).toBeLessThanOrEqual(1e-6);
});

it('stores float16 weights that compute exactly what float32 weights rounded to float16 compute, in half the file', async () => {
  const half = convertStateDict(tensors, { weights: 'float16' }).model;
  expect(half.length).toBeLessThan(model.length * 0.55);
  const rounded = new Map<string, CheckpointTensor>([...tensors].map(([k, t]) => [k, { ...t, data: roundToHalf(t.data) }]));
  const input = floats(f.input);
  const [a, b] = await Promise.all([runNode(half, input, f.input_shape), runNode(buildRrdb(rounded), input, f.input_shape)]);
  expect(relativeError(a.outputs[0], b.outputs[0])).toBeLessThanOrEqual(1e-6);
  // And the graph says so: float16 initializers (TensorProto type 10) each read through a Cast.
  const graph = readGraph(half);
  const halves = [...graph.initializers].filter(([, type]) => type === 10).map(([name]) => name);
  expect(halves.length).toBeGreaterThan(30);
  for (const name of halves) expect(graph.nodes.find((n) => n.inputs[0] === name)?.op).toBe('Cast');
});

it('refuses a checkpoint that is not an RRDBNet, naming what is missing', () => {
  const srvgg = readCheckpoint(fixtureBytes(fixture('srvgg-x4-c32').pth)).tensors;
  expect(() => buildRrdb(srvgg)).toThrow(RestoreError);
  expect(() => buildRrdb(srvgg)).toThrow(/Not an RRDBNet checkpoint: it needs conv_first.weight/);
});
