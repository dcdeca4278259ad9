/**
 * GFPGANv1Clean converted from its PyTorch checkpoint (../shared/models/pth/gfpgan-clean-narrow0.125: the v1.4
 * configuration with every channel count ÷ 8, random weights, params_ema, the checkpoint's noise buffers) reproduces
 * the PyTorch reference on onnxruntime-node and -web (≤ 1e-4 of the peak), with every convolution weight a constant.
 */
import { readCheckpoint, type CheckpointTensor } from '../src/core/convert/checkpoint';
import { buildGfpgan, gfpganShape } from '../src/core/convert/gfpgan';
import { convertStateDict, detectArchitecture } from '../src/core/convert/index';
import { gfpganLayout, randomGfpganStateDict } from '../src/core/convert/random-gfpgan';
import { RestoreError } from '../src/core/errors';
import { fixture, fixtureBytes, floats, nodeRelativeError, readGraph, relativeError, runNode, webRelativeError } from './helpers/convert-fixtures';

const f = fixture('gfpgan-clean-narrow0.125');
const tensors = readCheckpoint(fixtureBytes(f.pth)).tensors;
const model = buildGfpgan(tensors);

/** The state dict with some tensors replaced or removed. */
function edited(changes: Record<string, Float32Array | undefined>): Map<string, CheckpointTensor> {
  const out = new Map(tensors);
  for (const [name, data] of Object.entries(changes)) {
    if (data === undefined) out.delete(name);
    else out.set(name, { ...out.get(name)!, data });
  }
  return out;
}

it('reads the configuration from the tensors', () => {
  expect(detectArchitecture(tensors)).toBe('GFPGANv1Clean');
  expect(gfpganShape(tensors)).toEqual({ levels: 7, size: f.out_size, styleDim: f.num_style_feat, latents: 16, sftHalf: f.sft_half });
});

it('reproduces the PyTorch output on onnxruntime-node', async () => {
  expect(await nodeRelativeError(model, f)).toBeLessThanOrEqual(1e-4);
});

it('reproduces the PyTorch output on onnxruntime-web', () => {
  expect(webRelativeError(model, f)).toBeLessThanOrEqual(1e-4);
});

it('keeps every convolution weight a constant initializer (the StyleConvs included) but ToRGB’s, built as W·s per call', () => {
  const graph = readGraph(model);
  const convs = graph.nodes.filter((n) => n.op === 'Conv');
  const constant = convs.filter((c) => graph.initializers.has(c.inputs[1]));
  const perCall = convs.filter((c) => !graph.initializers.has(c.inputs[1]));
  // 1 + 7×3 + 1 + 7×3 (U-Net) + 28 (condition nets) + 15 StyleConvs: the 7 after CS-SFT in its 2 channel groups,
  // the upsampling one at the output size in 4; the 8 ToRGBs build their 1×1 weights per call.
  expect(constant).toHaveLength(72 + 1 + 6 + 4 + 7 * 2);
  expect(perCall).toHaveLength(8);
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  for (const conv of perCall) expect(producers.get(conv.inputs[1])?.op).toBe('Mul');
  // No copy of the StyleGAN features: CS-SFT's halves feed the next convolution as they are.
  expect(graph.nodes.filter((n) => n.op === 'Concat')).toHaveLength(0);
  expect(graph.nodes.filter((n) => n.op === 'RandomNormal')).toHaveLength(0);
});

it('with random noise, draws fresh noise on every call like randomize_noise=True, and nothing else changes', async () => {
  const random = convertStateDict(tensors, { noise: 'random' }).model;
  expect(readGraph(random).nodes.filter((n) => n.op === 'RandomNormal')).toHaveLength(15);
  const input = floats(f.input);
  const twice = await runNode(random, input, f.input_shape, 2);
  expect(relativeError(twice.outputs[0], twice.outputs[1])).toBeGreaterThan(1e-3);
  // With every noise strength at zero the noise source no longer matters: random and fixed noise agree.
  const strengths = [...tensors].filter(([k, t]) => k.includes('.style_conv') && k.endsWith('.weight') && t.shape.length === 1);
  const silent = edited(Object.fromEntries(strengths.map(([k]) => [k, new Float32Array(1)])));
  expect([...silent.values()].filter((t) => t.shape.length === 1 && t.data[0] === 0)).toHaveLength(15);
  const [a, b] = await Promise.all([
    runNode(buildGfpgan(silent, { noise: 'random' }), input, f.input_shape),
    runNode(buildGfpgan(silent), input, f.input_shape),
  ]);
  expect(relativeError(a.outputs[0], b.outputs[0])).toBeLessThanOrEqual(1e-6);
  expect(relativeError(b.outputs[0], floats(f.expected))).toBeGreaterThan(1e-3); // the noise did matter in the reference
});

it('stores float16 weights in little more than half the file, within 1e-2 of the float32 reference', async () => {
  const half = convertStateDict(tensors, { weights: 'float16' }).model;
  expect(half.length).toBeLessThan(model.length * 0.6);
  const { outputs } = await runNode(half, floats(f.input), f.input_shape);
  expect(relativeError(outputs[0], floats(f.expected))).toBeLessThanOrEqual(1e-2);
});

it('refuses what it cannot build, naming the tensor', () => {
  expect(() => buildGfpgan(edited({ 'stylegan_decoder.noises.noise3': undefined }))).toThrow(/has no fixed noise stylegan_decoder\.noises\.noise3; convert it with random noise/);
  expect(() => buildGfpgan(edited({ 'stylegan_decoder.noises.noise3': undefined }), { noise: 'random' })).not.toThrow();
  expect(() => buildGfpgan(edited({ 'final_linear.weight': undefined }))).toThrow(RestoreError);
  const srvgg = readCheckpoint(fixtureBytes(fixture('srvgg-x4-c32').pth)).tensors;
  expect(() => buildGfpgan(srvgg)).toThrow(/Not a GFPGANv1Clean checkpoint/);
  expect(() => convertStateDict(srvgg, { noise: 'random' })).toThrow(/noise applies to GFPGAN only/);
  expect(() => convertStateDict(tensors, { weights: 'int8' as never })).toThrow(/weights must be "float32" or "float16"/);
});

describe('seeded random checkpoints for benchmarks', () => {
  it('have the official layout: the narrow fixture tensor for tensor, and the v1.4 parameter count', () => {
    expect(gfpganLayout({ narrow: 0.125 })).toEqual([...tensors].map(([name, t]) => [name, [...t.shape]]));
    let params = 0;
    let noise = 0;
    for (const [name, shape] of gfpganLayout()) {
      const n = shape.reduce((a, b) => a * b, 1);
      if (name.includes('.noises.')) noise += n;
      else params += n;
    }
    // ../shared/docs/reference-pipeline.md §6.3: 86,444,252 parameters + 699,024 noise floats.
    expect(params).toBe(86_444_252);
    expect(noise).toBe(699_024);
  });

  it('are the same for a seed, differ across seeds, and run to a finite, bounded face', async () => {
    const a = randomGfpganStateDict(7, { narrow: 0.125 });
    const b = randomGfpganStateDict(7, { narrow: 0.125 });
    const c = randomGfpganStateDict(8, { narrow: 0.125 });
    const w = 'conv_body_up.3.conv1.weight';
    expect(a.get(w)!.data).toEqual(b.get(w)!.data);
    expect(a.get(w)!.data).not.toEqual(c.get(w)!.data);
    const { outputs } = await runNode(convertStateDict(a).model, floats(f.input), f.input_shape);
    const peak = outputs[0].reduce((m, v) => Math.max(m, Math.abs(v)), 0); // NaN or ±Inf anywhere makes it non-finite
    expect(Number.isFinite(peak)).toBe(true);
    expect(peak).toBeGreaterThan(1e-3);
    expect(peak).toBeLessThan(1e3);
  });
});
