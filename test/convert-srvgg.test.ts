/**
 * SRVGGNetCompact converted from its PyTorch checkpoint (../shared/models/pth fixtures: the full realesr-general-x4v3
 * layout with random weights, zip and legacy pickle) reproduces the output the PyTorch reference computed, on
 * onnxruntime-node and onnxruntime-web: max |error| ≤ 1e-4 × max |expected| (issue 9's bound).
 */
import { readCheckpoint } from '../src/core/convert/checkpoint';
import { convertCheckpoint } from '../src/core/convert/index';
import { buildSrvgg, srvggShape } from '../src/core/convert/srvgg';
import { fixture, fixtureBytes, nodeRelativeError, webRelativeError } from './helpers/convert-fixtures';

describe.each(['srvgg-x4-c32', 'srvgg-x4-c32-legacy'])('%s', (id) => {
  const f = fixture(id);
  let model: Uint8Array;
  beforeAll(() => {
    const checkpoint = readCheckpoint(fixtureBytes(f.pth));
    expect(srvggShape(checkpoint.tensors)).toEqual({ numFeat: f.num_feat, numConv: f.num_conv, scale: f.upscale, act: 'prelu' });
    model = buildSrvgg(checkpoint.tensors);
  });

  it('reproduces the PyTorch output on onnxruntime-node', async () => {
    expect(await nodeRelativeError(model, f)).toBeLessThanOrEqual(1e-4);
  });

  it('reproduces the PyTorch output on onnxruntime-web', () => {
    expect(webRelativeError(model, f)).toBeLessThanOrEqual(1e-4);
  });
});

it('converts the zip and the legacy layout of the same weights to byte-identical models (deterministic output)', () => {
  const zip = convertCheckpoint(fixtureBytes(fixture('srvgg-x4-c32').pth));
  const legacy = convertCheckpoint(fixtureBytes(fixture('srvgg-x4-c32-legacy').pth));
  expect(zip.checkpoint.format).toBe('zip');
  expect(legacy.checkpoint.format).toBe('legacy');
  expect(zip.network).toEqual({ arch: 'SRVGGNetCompact', shape: { numFeat: 64, numConv: 32, scale: 4, act: 'prelu' } });
  expect(Buffer.compare(Buffer.from(zip.model), Buffer.from(legacy.model))).toBe(0);
});
