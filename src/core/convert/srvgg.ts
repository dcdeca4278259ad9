/**
 * SRVGGNetCompact (Real-ESRGAN's realesr-general-x4v3 / animevideov3, basicsr `srvgg_arch.py`) as an ONNX graph built
 * from its state dict: conv → act, `num_conv` × (conv → act), conv to 3·s² channels, PixelShuffle(s), plus the input
 * upsampled by nearest neighbour. Every size is read from the tensors (num_feat, num_conv, the activation, the scale).
 *
 * PyTorch's PixelShuffle is ONNX DepthToSpace in CRD order; `F.interpolate(mode='nearest')` at an integer scale is
 * Resize nearest with asymmetric coordinates and floor rounding (source index = floor(dst / s)).
 */
import { RestoreError } from '../errors';
import type { CheckpointTensor } from './checkpoint';
import { attr, GraphBuilder, type BuildOptions } from './onnx-writer';

export interface SrvggShape {
  readonly numFeat: number;
  readonly numConv: number;
  readonly scale: number;
  readonly act: 'prelu' | 'relu' | 'leakyrelu';
}

const conv = (i: number): string => `body.${i}`;

/** Reads the architecture from the names and shapes; refuses a state dict that is not an SRVGGNetCompact. */
export function srvggShape(tensors: ReadonlyMap<string, CheckpointTensor>): SrvggShape {
  const first = tensors.get(`${conv(0)}.weight`);
  if (!first || first.shape.length !== 4 || first.shape[1] !== 3) {
    throw new RestoreError('MODEL_CONTRACT', 'Not an SRVGGNetCompact checkpoint: body.0.weight must be a [num_feat,3,3,3] convolution');
  }
  const numFeat = first.shape[0];
  // body.{2k} are convolutions; body.{2k+1} activations (PReLU weights, or nothing for ReLU/LeakyReLU).
  let last = 0;
  while (tensors.has(`${conv(last + 2)}.weight`)) last += 2;
  const out = tensors.get(`${conv(last)}.weight`)!;
  const scale = Math.round(Math.sqrt(out.shape[0] / 3));
  if (last < 2 || scale * scale * 3 !== out.shape[0]) {
    throw new RestoreError('MODEL_CONTRACT', `Not an SRVGGNetCompact checkpoint: its last convolution ${conv(last)} has ${out.shape[0]} outputs, not 3·scale²`);
  }
  return { numFeat, numConv: last / 2 - 1, scale, act: tensors.has(`${conv(1)}.weight`) ? 'prelu' : 'leakyrelu' };
}

function weight(tensors: ReadonlyMap<string, CheckpointTensor>, name: string): CheckpointTensor {
  const t = tensors.get(name);
  if (!t) throw new RestoreError('MODEL_CONTRACT', `The checkpoint has no ${name}`);
  return t;
}

/** The ONNX model: input `input` [1,3,H,W] RGB in 0..1, output `output` [1,3,s·H,s·W]. */
export function buildSrvgg(tensors: ReadonlyMap<string, CheckpointTensor>, options: BuildOptions = {}): Uint8Array {
  const shape = srvggShape(tensors);
  const g = new GraphBuilder('SRVGGNetCompact');
  const x = g.input('input', [1, 3, 'height', 'width']);
  let h = x;
  const last = 2 * (shape.numConv + 1);
  for (let i = 0; i <= last; i += 2) {
    const w = weight(tensors, `${conv(i)}.weight`);
    const b = weight(tensors, `${conv(i)}.bias`);
    const wName = g.initializer(`${conv(i)}.weight`, { type: 'float32', dims: w.shape, data: w.data });
    const bName = g.initializer(`${conv(i)}.bias`, { type: 'float32', dims: b.shape, data: b.data });
    h = g.op('Conv', [h, wName, bName], { kernel_shape: attr.ints([w.shape[2], w.shape[3]]), pads: attr.ints([1, 1, 1, 1]) });
    if (i === last) break;
    if (shape.act === 'prelu') {
      const slope = weight(tensors, `${conv(i + 1)}.weight`);
      h = g.op('PRelu', [h, g.initializer(`${conv(i + 1)}.weight`, { type: 'float32', dims: [slope.shape[0], 1, 1], data: slope.data })]);
    } else {
      h = g.op('LeakyRelu', [h], { alpha: attr.float(0.1) });
    }
  }
  const shuffled = g.op('DepthToSpace', [h], { blocksize: attr.int(shape.scale), mode: attr.string('CRD') });
  const scales = g.floats('upscale_scales', [4], [1, 1, shape.scale, shape.scale]);
  const base = g.op('Resize', [x, '', scales], {
    mode: attr.string('nearest'), coordinate_transformation_mode: attr.string('asymmetric'), nearest_mode: attr.string('floor'),
  });
  g.op('Add', [shuffled, base], {}, 'output');
  g.output('output', [1, 3, 'out_height', 'out_width']);
  return g.toModel(options);
}
