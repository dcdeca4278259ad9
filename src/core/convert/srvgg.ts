/**
 * SRVGGNetCompact (Real-ESRGAN's realesr-general-x4v3 / animevideov3, basicsr `srvgg_arch.py`) as an ONNX graph built
 * from its state dict: conv → act, `num_conv` × (conv → act), conv to 3·s² channels, PixelShuffle(s), plus the input
 * upsampled by nearest neighbour. Every size is read from the tensors (num_feat, num_conv, the activation, the scale).
 *
 * PyTorch's PixelShuffle is ONNX DepthToSpace in CRD order; `F.interpolate(mode='nearest')` at an integer scale is
 * Resize nearest with asymmetric coordinates and floor rounding (source index = floor(dst / s)).
 */
import type { StateDict, GraphOptions } from './layers';
import { contractError, NetBuilder } from './layers';
import { attr } from './onnx-writer';

export interface SrvggShape {
  readonly numFeat: number;
  readonly numConv: number;
  readonly scale: number;
  readonly act: 'prelu' | 'leakyrelu';
}

const ARCH = 'SRVGGNetCompact';
const conv = (i: number): string => `body.${i}`;

/** Reads the architecture from the names and shapes; refuses a state dict that is not an SRVGGNetCompact. */
export function srvggShape(tensors: StateDict): SrvggShape {
  const first = tensors.get(`${conv(0)}.weight`);
  if (!first || first.shape.length !== 4 || first.shape[1] !== 3) {
    throw contractError(ARCH, 'body.0.weight must be a [num_feat,3,3,3] convolution');
  }
  const numFeat = first.shape[0];
  // body.{2k} are convolutions; body.{2k+1} activations (PReLU weights, or nothing for LeakyReLU).
  let last = 0;
  while (tensors.has(`${conv(last + 2)}.weight`)) last += 2;
  const out = tensors.get(`${conv(last)}.weight`)!;
  const scale = Math.round(Math.sqrt(out.shape[0] / 3));
  if (last < 2 || scale * scale * 3 !== out.shape[0]) {
    throw contractError(ARCH, `its last convolution ${conv(last)} has ${out.shape[0]} outputs, not 3·scale²`);
  }
  return { numFeat, numConv: last / 2 - 1, scale, act: tensors.has(`${conv(1)}.weight`) ? 'prelu' : 'leakyrelu' };
}

/** The ONNX model: input `input` [1,3,H,W] RGB in 0..1, output `output` [1,3,s·H,s·W]. */
export function buildSrvgg(tensors: StateDict, options: GraphOptions = {}): Uint8Array {
  const shape = srvggShape(tensors);
  const net = new NetBuilder(ARCH, tensors, options.weights);
  const x = net.g.input('input', [1, 3, 'height', 'width']);
  let h = x;
  const last = 2 * (shape.numConv + 1);
  for (let i = 0; i <= last; i += 2) {
    h = net.conv(h, conv(i));
    if (i === last) break;
    if (shape.act === 'prelu') {
      h = net.g.op('PRelu', [h, net.weight(`${conv(i + 1)}.weight`, [shape.numFeat, 1, 1])]);
    } else {
      h = net.lrelu(h, 0.1);
    }
  }
  const shuffled = net.g.op('DepthToSpace', [h], { blocksize: attr.int(shape.scale), mode: attr.string('CRD') });
  net.g.op('Add', [shuffled, net.nearest(x, shape.scale)], {}, 'output');
  net.g.output('output', [1, 3, 'out_height', 'out_width']);
  return net.model(options);
}
